"""The Reminders page: what goes out when, what went out (with its status), "Don't remind", and the schedule."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType

from nicegui import ui

from core.documents import Document, format_money
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, _, ngettext
from core.reminders.plan import InvoiceOutlook, Outlook, SentReminder
from core.reminders.scheduler import no_address_problem
from core.reminders.stages import (
    MAX_STAGE_DAYS,
    REMINDER_PLACEHOLDERS,
    ReminderSettings,
    ReminderStage,
    new_stage_id,
    settings_problems,
)
from core.templates import PLACEHOLDERS, EmailTemplate
from ui.components import icon_button, local_time, shown_date, shown_title, status_badge
from ui.language import page
from ui.layout import frame
from ui.notices import PageNotifier
from ui.services import Services
from ui.shown_text import LINE_LIMIT, limit_length

WHEN_WORDS: dict[Outlook, str] = {
    Outlook.NOT_EMAILED: N_('The invoice has not been emailed yet; reminders start once it has.'),
    Outlook.DONE: N_('Every reminder has gone.'),
    Outlook.OFF: N_('Every reminder is switched off.'),
    Outlook.PAUSED: N_("Not reminded: you chose Don't remind."),
}
UPCOMING = (Outlook.DUE, Outlook.SCHEDULED, Outlook.NO_ADDRESS, Outlook.NOT_EMAILED, Outlook.DONE, Outlook.OFF)


def register(services: Services) -> None:
    @page('/reminders')
    def reminders_page() -> None:
        with frame(_('Reminders')):
            RemindersView(services).build()


@dataclass
class StageForm:
    """One stage as the person is editing it; days as typed."""

    id: str
    days: str
    subject: str
    body: str
    enabled: bool
    errors: dict[str, str] = field(default_factory=dict)
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    """The other languages' subject and body ({'is': {'subject': …, 'body': …}}), for customers of each."""

    @classmethod
    def of(cls, stage: ReminderStage) -> StageForm:
        texts = {
            language: {'subject': text.subject, 'body': text.body}
            for language, text in stage.templates().items()
            if language != DEFAULT_LANGUAGE
        }
        return cls(stage.id, str(stage.days), stage.subject, stage.body, stage.enabled, texts=texts)

    def stage(self) -> ReminderStage:
        text = (self.days or '').strip()
        days = int(text) if text.isdigit() and len(text) <= 5 else 0
        texts = {k: EmailTemplate(v.get('subject') or '', v.get('body') or '') for k, v in self.texts.items()}
        return ReminderStage(
            self.id, days, self.subject or '', self.body or '', self.enabled, texts=MappingProxyType(texts)
        )


class RemindersView:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.repository = services.folder.reminders
        saved = self.repository.settings()
        self.enabled = saved.enabled
        self.forms = [StageForm.of(stage) for stage in saved.stages]
        self.notify = PageNotifier()

    def build(self) -> None:
        ui.label(
            _(
                'Reminders go by themselves to customers whose emailed invoices are overdue: each as its own email '
                'with the invoice PDF, through the email log. Each reminder goes once per invoice, never on the day '
                'the invoice was first emailed, and none once it is paid or a credit note covers it.'
            )
        ).classes('text-grey-8')
        self.state()
        ui.label(_('Invoices')).classes('text-h6')
        self.invoices()
        ui.label(_('Sent reminders')).classes('text-h6')
        self.sent()
        ui.label(_('Schedule')).classes('text-h6')
        self.schedule()
        ui.timer(5.0, self.refresh_after_run)
        self._seen_run = self.services.reminders.report.at

    def refresh_after_run(self) -> None:
        """The loop ran (a new day, a send): show what it did."""
        if self.services.reminders.report.at != self._seen_run:
            self._seen_run = self.services.reminders.report.at
            self.refresh_all()

    def refresh_all(self) -> None:
        self.state.refresh()
        self.invoices.refresh()
        self.sent.refresh()

    @ui.refreshable_method
    def state(self) -> None:
        """On or off, the last look, and every problem that keeps a reminder from going."""
        scheduler = self.services.reminders
        report = scheduler.report
        settings = self.repository.settings()
        with ui.card().classes('w-full gap-1').props('flat bordered'):
            with ui.row().classes('items-center gap-2'):
                ui.icon('notifications_active' if settings.enabled else 'notifications_off', color='primary')
                words = (
                    _('Reminders are on.')
                    if settings.enabled
                    else _('Reminders are off: nothing goes until you turn them on below.')
                )
                ui.label(words).classes('font-medium').mark('reminders-state')
                if report.at is not None:
                    looked = _('Last looked {time}; queued {count}.')
                    ui.label(looked.format(time=local_time(report.at), count=len(report.queued))).classes(
                        'text-caption text-grey-7'
                    )
            if report.waiting:
                ui.label(str(report.waiting)).classes('text-negative').mark('reminders-waiting')
            outlooks = {o.invoice.id: o for o in scheduler.overview()}
            problems = dict(report.problems)
            for invoice_id, outlook in outlooks.items():
                if outlook.outlook is Outlook.NO_ADDRESS:
                    problems[invoice_id] = no_address_problem(outlook)
            for invoice_id, problem in problems.items():
                found = outlooks.get(invoice_id)
                title = shown_title(found.invoice) if found else _('An invoice')
                with ui.row().classes('items-center gap-2 no-wrap text-negative'):
                    ui.icon('error_outline')
                    ui.label(f'{title}: {problem}').mark('reminder-problem')
                    if found and found.contact:
                        ui.link(_('Edit the contact'), f'/contacts/{found.contact.id}/edit')

    @ui.refreshable_method
    def invoices(self) -> None:
        everything = self.services.reminders.overview()
        outlooks = [o for o in everything if o.outlook is not Outlook.PAID]
        paid = len(everything) - len(outlooks)
        if not outlooks:
            ui.label(_('No open invoices.')).classes('text-grey-7')
        prefix = '' if self.repository.settings().enabled else _('Reminders are off. Once on: ')
        with ui.list().props('bordered separator').classes('w-full rounded'):
            for outlook in outlooks:
                self.invoice_row(outlook, prefix)
        if paid:
            words = ngettext('{count} paid invoice is not listed.', '{count} paid invoices are not listed.', paid)
            ui.label(words.format(count=paid)).classes('text-caption text-grey-7')

    def invoice_row(self, outlook: InvoiceOutlook, prefix: str) -> None:
        invoice = outlook.invoice
        with ui.item().classes('w-full').mark(f'reminder-row-{invoice.reference}'):
            with ui.item_section():
                with ui.row().classes('items-center gap-2'):
                    ui.link(shown_title(invoice), f'/documents/{invoice.id}').classes('font-medium')
                    ui.label(outlook.contact.name if outlook.contact else _('(deleted contact)')).classes('text-grey-8')
                due = shown_date(invoice.second_date) or '—'
                open_amount = format_money(outlook.open_amount, invoice.currency)
                days = outlook.days_overdue
                overdue = ngettext(
                    'Due {date}, {count} day overdue · {amount} open',
                    'Due {date}, {count} days overdue · {amount} open',
                    days,
                )
                due_words = overdue if days else _('Due {date} · {amount} open')
                ui.item_label(due_words.format(date=due, count=days, amount=open_amount)).props('caption')
                ui.item_label(prefix + when_text(outlook)).classes(
                    'text-negative' if outlook.outlook is Outlook.NO_ADDRESS else 'text-grey-9'
                ).mark('reminder-when')
            with ui.item_section().props('side'):
                ui.switch(
                    _("Don't remind"),
                    value=outlook.outlook is Outlook.PAUSED,
                    on_change=lambda e, invoice_id=invoice.id: self.pause(invoice_id, bool(e.value)),
                ).mark(f'pause-{invoice.reference}')

    def pause(self, invoice_id: str, paused: bool) -> None:
        self.repository.set_paused(invoice_id, paused)
        self.services.reminders.changed()
        self.notify(_('This invoice gets no reminders.') if paused else _('Reminders for this invoice are back on.'))
        self.invoices.refresh()
        self.state.refresh()

    @ui.refreshable_method
    def sent(self) -> None:
        records = sorted(self.repository.sent(), key=lambda r: r.queued_at, reverse=True)
        if not records:
            ui.label(_('No reminder has gone yet.')).classes('text-grey-7')
            return
        documents = self.services.folder.documents
        with ui.list().props('bordered separator dense').classes('w-full rounded'):
            for record in records[:200]:
                self.sent_row(record, documents.get(record.invoice_id))

    def sent_row(self, record: SentReminder, invoice: Document | None) -> None:
        email = self.services.reminders.email_of(record)
        title = shown_title(invoice) if invoice else _('A deleted invoice')
        with ui.item().classes('w-full').mark('sent-reminder'):
            with ui.item_section().props('side').classes('w-28'):
                if email is not None:
                    status_badge(email)
            with ui.item_section():
                heading = _('{title} · reminder {stage}').format(title=title, stage=str(record.stage_label))
                ui.item_label(heading).classes('font-medium')
                recipients = ', '.join([*email.draft.to, *(f'cc {a}' for a in email.draft.cc)]) if email else ''
                queued = _('Queued {time} to {recipients}') if recipients else _('Queued {time}')
                ui.item_label(queued.format(time=local_time(record.queued_at), recipients=recipients))
                ui.item_label(email.draft.subject if email else '').props('caption')
            with ui.item_section().props('side'):
                ui.link(_('In the email log'), f'/emails?document={record.invoice_id}')

    @ui.refreshable_method
    def schedule(self) -> None:
        ui.switch(_('Send reminders for overdue invoices')).bind_value(self, 'enabled').mark('reminders-enabled')
        names = ', '.join(f'{{{{ {p.name} }}}}' for p in (*REMINDER_PLACEHOLDERS, *PLACEHOLDERS[:7]))
        placeholders = _('Placeholders as on Email templates, plus days and amount overdue: {names} …')
        ui.label(placeholders.format(names=names)).classes('text-caption text-grey-7')
        for form in self.forms:
            self.stage_card(form)
        with ui.row().classes('gap-2'):
            ui.button(_('Add a reminder'), icon='add', on_click=self.add_stage).props('flat').mark('add-stage')
            ui.button(_('Save schedule'), icon='save', on_click=self.save).props('unelevated').mark('save-schedule')

    def stage_card(self, form: StageForm) -> None:
        with ui.card().classes('w-full gap-2').props('flat bordered').mark('stage-card'):
            with ui.row().classes('w-full items-start gap-4'):
                ui.switch(_('On')).bind_value(form, 'enabled').mark(f'stage-{form.id}-enabled')
                days = ui.input(_('Days after the due date')).bind_value(form, 'days').classes('w-48')
                days.props(f'type=number min=1 max={MAX_STAGE_DAYS}').mark(f'stage-{form.id}-days')
                if problem := form.errors.get('days'):
                    days.props(f'error error-message="{problem}"')
                ui.space()
                icon_button('delete', _('Remove this reminder'), lambda: self.remove_stage(form)).props(
                    'flat round'
                ).mark(f'stage-{form.id}-remove')
            subject = ui.input(_('Subject')).bind_value(form, 'subject').classes('w-full')
            limit_length(subject, LINE_LIMIT).props('outlined dense').mark(f'stage-{form.id}-subject')
            body = ui.textarea(_('Message (Markdown)')).bind_value(form, 'body').classes('w-full')
            limit_length(body).props('outlined autogrow').mark(f'stage-{form.id}-body')
            for language, text in form.texts.items():
                title = _('This reminder for customers who get their documents in {language}').format(
                    language=LANGUAGES[language]
                )
                with ui.expansion(title, icon='translate').classes('w-full').mark(f'stage-{form.id}-{language}'):
                    other = ui.input(_('Subject')).bind_value(text, 'subject').classes('w-full')
                    limit_length(other, LINE_LIMIT).props('outlined dense').mark(f'stage-{form.id}-subject-{language}')
                    other_body = ui.textarea(_('Message (Markdown)')).bind_value(text, 'body').classes('w-full')
                    limit_length(other_body).props('outlined autogrow').mark(f'stage-{form.id}-body-{language}')
            if problem := form.errors.get('template'):
                ui.label(problem).classes('text-negative').mark('stage-problem')

    def add_stage(self) -> None:
        latest = max((int(f.days) for f in self.forms if (f.days or '').isdigit()), default=0)
        template = self.forms[-1] if self.forms else StageForm.of(ReminderSettings().stages[0])
        texts = {language: dict(text) for language, text in template.texts.items()}
        self.forms.append(
            StageForm(new_stage_id(), str(latest + 14), template.subject, template.body, True, texts=texts)
        )
        self.schedule.refresh()

    def remove_stage(self, form: StageForm) -> None:
        self.forms.remove(form)
        self.schedule.refresh()

    def settings(self) -> ReminderSettings:
        return ReminderSettings(enabled=bool(self.enabled), stages=tuple(f.stage() for f in self.forms))

    def save(self) -> None:
        settings = self.settings()
        errors = settings_problems(settings)
        for form in self.forms:
            form.errors = {
                part: errors[key] for part in ('days', 'template') if (key := f'stage.{form.id}.{part}') in errors
            }
        if errors:
            self.schedule.refresh()
            first = errors.get('stages') or _('Correct the reminders marked in red.')
            self.notify(_('Not saved. {problems}').format(problems=first), type='negative', multi_line=True)
            return
        saved = replace(settings, stages=tuple(sorted(settings.stages, key=lambda s: s.days)))
        self.repository.save_settings(saved)
        self.forms = [StageForm.of(stage) for stage in saved.stages]
        self.schedule.refresh()
        self.services.reminders.changed()
        self.notify(
            _('Schedule saved; it applies to every open invoice, including those already reminded.'), type='positive'
        )
        self.refresh_all()


def when_text(outlook: InvoiceOutlook) -> str:
    stage, on = outlook.stage, outlook.on
    if outlook.outlook is Outlook.DUE and stage:
        return _('Next: the reminder {stage}, at the next run (today).').format(stage=stage.label)
    if outlook.outlook is Outlook.SCHEDULED and stage and on:
        return _('Next: the reminder {stage}, on {date}.').format(stage=stage.label, date=shown_date(on))
    if outlook.outlook is Outlook.NO_ADDRESS and stage:
        return _('The reminder {stage} is due but cannot go: the customer has no email address.').format(
            stage=stage.label
        )
    return _(WHEN_WORDS[outlook.outlook]) if outlook.outlook in WHEN_WORDS else ''
