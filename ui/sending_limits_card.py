"""The Email settings page's Sending limits card (the pace batches keep to, and the user's own numbers), and what the
settings test learns for the batch preflight."""

from __future__ import annotations

from nicegui import ui

from core.batch import announced_size
from core.causes import Step
from core.diagnostics.events import Status, StepEvent
from core.diagnostics.transcript import Mark
from core.i18n import N_, _
from core.providers import SendingLimits
from core.settings import EmailSettings
from storage.server_facts_repo import ServerFactsRepository
from ui.services import Services, sending_limits

MAX_PER_MINUTE = 10_000
MAX_PER_DAY = 1_000_000
PER_MINUTE = N_('Emails a minute')
PER_DAY = N_('Recipients a day')


def remember_size(facts: ServerFactsRepository, settings: EmailSettings, event: StepEvent) -> None:
    """The settings test's EHLO reply tells the server's size limit, which the batch preflight checks against (the
    reply after STARTTLS, when there is one, comes last and wins)."""
    if event.step is Step.EHLO and event.status in (Status.OK, Status.WARN):
        said = '\n'.join(line.text for line in event.transcript if line.mark in (Mark.RECEIVED, Mark.RECEIVED_TLS))
        if said:
            facts.remember_size_limit(settings.host, settings.port, announced_size(said))


def sending_limits_card(services: Services) -> None:
    folder = services.folder

    @ui.refreshable
    def card() -> None:
        limits = sending_limits(folder)
        own = folder.sending_limits.load() is not None
        with ui.card().classes('w-full').props('flat bordered').mark('sending-limits'):
            ui.label(_('Sending limits')).classes('text-h6')
            ui.label(
                _(
                    'Mailroom sends at most {limits} ({source}), spread out, so that your provider does not block '
                    'the account. Batches say when they will finish. If your provider allows less (or more), enter '
                    'its numbers here.'
                ).format(limits=limits.describe(), source=_(limits.source))
            ).classes('text-grey-8').mark('sending-limits-in-effect')
            with ui.row().classes('w-full gap-3'):
                per_minute = ui.number(_(PER_MINUTE), value=limits.per_minute, min=1, max=MAX_PER_MINUTE, step=1)
                per_minute.mark('limit-per-minute').classes('w-44')
                per_day = ui.number(_(PER_DAY), value=limits.per_day, min=1, max=MAX_PER_DAY, step=1)
                per_day.mark('limit-per-day').classes('w-44')

            def save() -> None:
                fields = ((_(PER_MINUTE), per_minute, MAX_PER_MINUTE), (_(PER_DAY), per_day, MAX_PER_DAY))
                wrong = [name for name, field, top in fields if field.value is not None and not 1 <= field.value <= top]
                if wrong:
                    said = (
                        _('Not saved: {field} must be a whole number from 1 (or empty for no limit).')
                        if len(wrong) == 1
                        else _('Not saved: {field} and {other} must be a whole number from 1 (or empty for no limit).')
                    )
                    ui.notify(said.format(field=wrong[0], other=wrong[-1]), type='warning')
                    return
                numbers = [int(field.value) if field.value else None for _name, field, _top in fields]
                folder.sending_limits.save(SendingLimits(numbers[0], numbers[1]))
                ui.notify(_('Sending limits saved: the outbox keeps to them from the next email on.'), type='positive')
                card.refresh()

            def reset() -> None:
                folder.sending_limits.reset()
                ui.notify(_("Back to the provider's limits."), type='positive')
                card.refresh()

            with ui.row().classes('w-full justify-end gap-2'):
                if own:
                    ui.button(_("Use the provider's limits"), on_click=reset).props('flat').mark('limits-reset')
                ui.button(_('Save limits'), icon='save', on_click=save).props('outline').mark('limits-save')

    card()
