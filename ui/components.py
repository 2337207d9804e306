"""Widgets more than one page shows: the delete confirmation, the PDF answer, and an email's status and history.

Pages import from here, never from each other. The buttons of document actions live beside their registry in
ui/document_actions.py, since the Email action's dialog itself shows an email's failure from here.
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import Response
from nicegui import ui

from core.causes import explain
from core.delivery import Delivery, RecipientOutcome
from core.documents import ContactKind, Document, Statement
from core.email_log import EmailRecord, EmailStatus
from core.i18n import N_, _, babel_locale, ngettext
from ui.services import Services


def pdf_response(pdf: bytes, filename: str, *, download: bool) -> Response:
    """Inline for the preview, attached for Download; the name kept whole for browsers that read filename*."""
    disposition = 'attachment' if download else 'inline'
    ascii_name = filename.encode('ascii', 'replace').decode().replace('?', '_').replace('"', '')
    return Response(
        content=pdf,
        media_type='application/pdf',
        headers={
            'Content-Disposition': f'{disposition}; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(filename)}',
            'Cache-Control': 'no-store',
        },
    )


def icon_button(icon: str, label: str, on_click: Callable[..., Any]) -> ui.button:
    """A button that shows only an icon still says what it does: to a screen reader (its name) and on hover."""
    button = ui.button(icon=icon, on_click=on_click).tooltip(label)
    button.props['aria-label'] = label  # set as a value: a label's quotes cannot break the props string
    return button


# A dialog with typing in it: a click beside it must not lose the typing, but Esc still closes it.
DIALOG_PROPS = 'no-backdrop-dismiss'


def press_on_enter(field: ui.input, button: ui.button) -> None:
    """Enter in a one-line field does what its form's main button does, through that very button's click (so a
    disabled button stays unpressed, and whatever the button checks at its click is checked)."""
    field.on('keydown.enter', js_handler=f'() => getElement({button.id}).$el.click()')


def slot_icon_button(label: str, attributes: str) -> str:
    """`icon_button` inside a table's slot template: `attributes` say its icon, colour and what it does."""
    name = html.escape(label)
    return f'<q-btn flat dense round aria-label="{name}" {attributes}><q-tooltip>{name}</q-tooltip></q-btn>'


def named_upload(upload: ui.upload, name: str = '') -> ui.upload:
    """Quasar's uploader hides its file input, unnamed, inside its add button: two controls in one, neither with a
    name a screen reader can say. This header has one plain button, named `name` or else the uploader's label; the
    input stays apart, hidden."""
    title = html.escape(str(upload.props.get('label') or ''))
    name = name or str(upload.props.get('label') or '')
    upload.add_slot(
        'header',
        '<div class="row no-wrap items-center q-pa-sm q-gutter-xs"><div class="col">'
        f'<div class="q-uploader__title">{title}</div>'
        '<div class="q-uploader__subtitle">{{ props.uploadSizeLabel }} / {{ props.uploadProgressLabel }}</div></div>'
        '<q-spinner v-if="props.isUploading" class="q-uploader__spinner" />'
        + slot_icon_button(name, 'v-if="props.canAddFiles" icon="add_box" @click="props.pickFiles"')
        + '<div class="hidden" aria-hidden="true"><q-uploader-add-trigger /></div></div>',
    )
    return upload


def selection_slots(table: ui.table, row_name: str, all_name: str) -> None:
    """Each row's tick box is named after its row (`row_name`: a JavaScript expression of `props.row`), and the one
    in the header says what it ticks; Quasar's own boxes have no name a screen reader can say."""
    table.add_slot('body-selection', f'<q-checkbox v-model="props.selected" :aria-label="{row_name}" />')
    table.add_slot('header-selection', f'<q-checkbox v-model="props.selected" aria-label="{html.escape(all_name)}" />')


def titled(dialog: ui.dialog, title: ui.label) -> ui.label:
    """A screen reader names a dialog by its title as it opens."""
    dialog.props['aria-labelledby'] = f'c{title.id}'
    return title


def confirm_delete(title: str, on_confirm: Any) -> None:
    """Nothing is deleted without a second, explicit click."""
    with ui.dialog() as dialog, ui.card():
        titled(dialog, ui.label(_('Delete {title}?').format(title=title)).classes('text-h6'))
        ui.label(_('This cannot be undone.')).classes('text-grey-8')
        with ui.row().classes('w-full justify-end'):
            ui.button(_('Cancel'), on_click=dialog.close).props('flat')

            async def confirmed() -> None:
                dialog.close()
                result = on_confirm()
                if inspect.isawaitable(result):
                    await result

            ui.button(_('Delete'), color='negative', on_click=confirmed).props('unelevated').mark('confirm-delete')
    dialog.open()


STATUS_STYLE: dict[EmailStatus, tuple[str, str, str]] = {
    EmailStatus.QUEUED: ('schedule', 'warning', N_('Queued')),
    EmailStatus.SENDING: ('sync', 'info', N_('Sending')),
    EmailStatus.SENT: ('check_circle', 'positive', N_('Sent')),
    EmailStatus.PARTLY_SENT: ('rule', 'orange-9', N_('Partly sent')),
    EmailStatus.FAILED: ('error', 'negative', N_('Failed')),
    EmailStatus.CANCELLED: ('block', 'grey-7', N_('Cancelled')),
}
"""Icon, colour and label (marked here, shown with `_()`) of each email status."""


CONTACT_KIND_LABELS: dict[ContactKind, str] = {
    ContactKind.CUSTOMER: N_('Customer'),
    ContactKind.SUPPLIER: N_('Supplier'),
}


def local_time(moment: datetime | None) -> str:
    """A moment in this computer's time zone, written as the page language writes dates and times."""
    if moment is None:
        return ''
    from babel.dates import format_date, format_time  # on first use: importing it costs start-up ~50 ms

    local = moment.astimezone()
    return f'{format_date(local, "medium", locale=babel_locale())} {format_time(local, "short", locale=babel_locale())}'


def shown_date(day: date | None) -> str:
    """A date as the page language writes it (2 Dec 2026, 2. des. 2026)."""
    if day is None:
        return ''
    from babel.dates import format_date  # on first use: importing it costs start-up ~50 ms

    return format_date(day, 'medium', locale=babel_locale())


def shown_title(document: Document | Statement) -> str:
    """A document's name on the page in the page's language; its PDF and email keep the contact's language."""
    if isinstance(document, Statement):
        return _('Customer Statement {reference}').format(reference=document.reference)
    return f'{_(document.type.label)} {document.reference}'


def status_badge(record: EmailRecord) -> None:
    icon, color, label = STATUS_STYLE[record.status]
    with ui.row().classes('items-center gap-1 no-wrap'):
        ui.icon(icon, color=color, size='xs')
        ui.label(_(label)).classes(f'text-{color} font-medium email-status')


def not_sent_line(outcome: RecipientOutcome, *, waiting: bool = False) -> str:
    """One recipient the server did not take, in plain words, with its own reply."""
    if outcome.delivery is Delivery.DEFERRED and waiting:
        said = (
            _('Not sent to the copy to {address} yet: the server asked to try again later ({reply}).')
            if outcome.blind
            else _('Not sent to {address} yet: the server asked to try again later ({reply}).')
        )
    elif outcome.delivery is Delivery.DEFERRED:
        said = (
            _(
                'Not sent to the copy to {address}: the server asked to try again later, and the tries ran out '
                '({reply}).'
            )
            if outcome.blind
            else _('Not sent to {address}: the server asked to try again later, and the tries ran out ({reply}).')
        )
    else:
        said = (
            _('Not sent to the copy to {address}: the server refused this address ({reply}).')
            if outcome.blind
            else _('Not sent to {address}: the server refused this address ({reply}).')
        )
    return said.format(address=outcome.address, reply=outcome.reply)


def recipient_outcomes(record: EmailRecord) -> None:
    """Who has the email and who has not, each refusal with the server's reply."""
    missing = record.not_accepted
    if not missing:
        return
    with ui.column().classes('gap-0'):
        if record.accepted:
            ui.label(_('Sent to {addresses}.').format(addresses=', '.join(record.accepted))).classes(
                'text-caption text-positive'
            )
        if copies := [o.address for o in record.outcomes if o.accepted and o.blind]:
            ui.label(_('The blind copy went to {addresses}.').format(addresses=', '.join(copies))).classes(
                'text-caption text-grey-8'
            )
        for outcome in missing:
            later = outcome.delivery is Delivery.DEFERRED
            with ui.row().classes('items-center gap-1 no-wrap'):
                ui.icon('schedule' if later else 'block', color='warning' if later else 'negative', size='xs')
                waiting = record.status is EmailStatus.QUEUED
                ui.label(not_sent_line(outcome, waiting=waiting)).classes('text-caption break-all').mark(
                    'recipient-not-sent'
                )


def failure_details(record: EmailRecord, *, retry_note: bool = True) -> None:
    """The same words as the settings test: cause code, what happened, why, what to do, the server's reply."""
    recipient_outcomes(record)
    if (failure := record.failure) is None:
        return
    explanation = explain(failure.cause, step=failure.step)
    with ui.column().classes('gap-0'):
        with ui.row().classes('items-center gap-2'):
            ui.badge(failure.cause, color='negative' if record.status is EmailStatus.FAILED else 'warning').classes(
                'font-mono'
            )
            ui.label(_('at step {step}').format(step=failure.step)).classes('text-caption text-grey-7')
        ui.label(explanation.what).classes('font-medium')
        ui.label(explanation.why).classes('text-grey-8')
        ui.label(explanation.fix).classes('text-grey-8')
        if record.said:  # what happened instead of a reply, worded now for this reader
            ui.label(record.said).classes('text-caption text-grey-8 break-words').mark('failure-said')
        if record.reply and not record.not_accepted:  # else each refused address is listed with its reply
            ui.label(_('Server reply: {reply}').format(reply=record.reply)).classes(
                'font-mono text-caption text-grey-8 break-all'
            )
        if retry_note and record.status is EmailStatus.QUEUED and record.next_try_at:
            again = _('Mailroom tries again at {time} (try {number}).')
            ui.label(again.format(time=local_time(record.next_try_at), number=record.tries + 1)).classes('text-caption')


def email_row(record: EmailRecord, *, on_retry: Callable[[EmailRecord], Awaitable[None]] | None = None) -> None:
    draft = record.draft
    with ui.item().classes('w-full email-row'):
        with ui.item_section().props('side').classes('w-28'):
            status_badge(record)
            ui.label(local_time(record.sent_at or record.created_at)).classes('text-caption text-grey-7')
        with ui.item_section():
            ui.item_label(draft.subject).classes('font-medium')
            recipients = ', '.join(
                [
                    *draft.to,
                    *(_('cc {address}').format(address=a) for a in draft.cc),
                    *(_('bcc {address}').format(address=a) for a in draft.bcc),
                ]
            )
            ui.item_label(_('To {recipients}').format(recipients=recipients)).props('caption')
            tries = ngettext('{count} try', '{count} tries', record.tries).format(count=record.tries)
            facts = [str(draft.document_label), *record.attachment_names, tries if record.tries > 1 else '']
            ui.item_label(' · '.join(f for f in facts if f)).props('caption')
            if record.status is EmailStatus.SENT:
                ui.item_label(f'{record.reply} · Message-ID {record.message_id}').props('caption').classes(
                    'font-mono break-all'
                )
            failure_details(record)
        if record.status in (EmailStatus.FAILED, EmailStatus.PARTLY_SENT, EmailStatus.CANCELLED) and on_retry:
            with ui.item_section().props('side'):
                retry = ui.button(_('Retry'), icon='refresh', on_click=lambda: on_retry(record)).props('outline dense')
                if record.accepted:
                    retry.tooltip(_('Sends only to the addresses that did not get it'))


def partly_sent_badge(services: Services, document_id: str) -> None:
    """A document not yet Sent whose last email reached only some of its recipients says so beside its title."""
    latest = next(iter(services.folder.email_log.for_document(document_id)), None)
    if latest is not None and latest.status is EmailStatus.PARTLY_SENT:
        badge = ui.badge(_('Partly sent'), color='orange-9').props('outline').mark('document-partly-sent')
        badge.tooltip(' '.join(not_sent_line(o) for o in latest.not_accepted))


def document_history(services: Services, document_id: str) -> None:
    """A document's own emails, for its page: newest first, with a link to the full log."""
    records = services.folder.email_log.for_document(document_id)
    with ui.column().classes('w-full gap-1'):
        ui.label(_('Emails')).classes('text-subtitle1 font-medium')
        if not records:
            ui.label(_('Not emailed yet.')).classes('text-grey-7')
            return
        with ui.list().props('dense bordered separator').classes('w-full rounded'):
            for record in records[:10]:
                email_row(record)
        ui.link(_('All emails of this document'), f'/emails?document={document_id}')


def sign_in_again_notice(*, link: bool) -> None:
    """Emails wait because the sign-in with the provider has ended: said where a person looks (settings, emails)."""
    with ui.row().classes('w-full items-center gap-2 bg-orange-1 p-2 rounded').mark('sign-in-again'):
        ui.icon('warning', color='orange-9')
        ui.label(
            _(
                'Sending is paused: your sign-in with the provider has ended. Sign in again on the Email settings '
                'page, then press Update; waiting emails then go on their own.'
            )
        ).classes('text-sm')
        if link:
            ui.link(_('Open Email settings'), '/settings').classes('text-sm').mark('sign-in-again-link')
