"""The Email button and the compose dialog: recipients, subject and body from the template, the PDF beside them."""

from __future__ import annotations

import base64
from dataclasses import replace

from babel.lists import format_list
from nicegui import events, run, ui

from core import addresses
from core.attachments import MAX_ATTACHMENT_BYTES, added_file, size_summary
from core.documents.model import Contact, Document, document_language
from core.documents.statement import Statement
from core.email_log import Draft, EmailRecord, EmailStatus
from core.i18n import N_, _, babel_locale
from core.message import Attachment, MessageError, check_header_text, human_size
from core.outbox import Stage, document_attachments, document_draft, recipient_of
from core.templates import TemplateError, default_template, markdown_to_html, template_type
from ui.components import (
    DIALOG_PROPS,
    failure_details,
    icon_button,
    named_upload,
    press_on_enter,
    recipient_outcomes,
    shown_title,
    titled,
)
from ui.services import Services
from ui.shown_text import LINE_LIMIT, length_problem, limit_length, on_click_with_shown_text

BODY_LABEL = N_('Message (Markdown: **bold**, *italic*, - list)')
STAGE_LABELS: dict[Stage, str] = {
    Stage.RENDERING: N_('Rendering the PDF'),
    Stage.CONNECTING: N_('Connecting to the mail server'),
    Stage.SENDING: N_('Sending'),
}


def email_ready(services: Services) -> bool:
    """The seed's rule: the Email button exists only once email settings have been saved."""
    return services.folder.settings.is_saved()


async def email_document(services: Services, document: Document | Statement) -> None:
    """The Email action of the documents pages: the compose dialog, or the way to the settings if none are saved."""
    if not email_ready(services):
        open_email_settings(services, document)
        return
    contact = None if isinstance(document, Statement) else services.folder.contacts.get(document.contact_id)
    await ComposeDialog(services, document, contact).open()


def open_email_settings(_services: Services, _document: Document | Statement) -> None:
    ui.navigate.to('/settings')


def subject_error(text: str | None) -> str | None:
    if not (text or '').strip():
        return _('Enter a subject.')
    try:
        check_header_text('subject', text or '')
    except MessageError as error:
        return error.problem
    return None


class ComposeDialog:
    """Built when opened, so it always shows the current template, settings and document."""

    def __init__(self, services: Services, document: Document | Statement, contact: Contact | None) -> None:
        self.services = services
        self.document = document
        self.contact = contact
        self.sent = False
        self.proposed: Draft | None = None
        self.attachment: Attachment | None = None
        self.extras: list[Attachment] = []  # the files of the document's type, then those added to this message
        self.sending = False
        self.stages: list[Stage] = []

    def proposal(self) -> tuple[Draft, str]:
        """Core's draft from the saved template in the contact's language; a broken template falls back to the
        default and says so."""
        business = self.services.folder.business.load_or_default()
        kind = template_type(self.document)
        language = document_language(business, recipient_of(self.document, self.contact))
        saved = self.services.folder.templates.load(kind, language)
        try:
            return document_draft(self.document, business, self.contact, saved), ''
        except TemplateError as error:
            note = _('Your template has a problem, so the default text is used. {problem}').format(problem=error)
            return document_draft(self.document, business, self.contact, default_template(kind, language)), note

    async def open(self) -> None:
        proposed, template_note = self.proposal()
        self.proposed = proposed
        settings = self.services.folder.settings.load_public()
        self.dialog = ui.dialog().props(f'{DIALOG_PROPS} :maximized="Quasar.Screen.lt.sm"').mark('compose-dialog')
        self.dialog.on('hide', self.closed)
        with self.dialog, ui.card().classes('w-[1200px] max-w-full pt-0'):
            with ui.row().classes('w-full items-center no-wrap sticky top-0 z-10 bg-white pt-4 pb-2'):
                title = _('Email {title}').format(title=shown_title(self.document))
                titled(self.dialog, ui.label(title).classes('text-h6 min-w-0'))
                ui.space()
                icon_button('close', _('Close'), self.dialog.close).props('flat round dense').mark('compose-close')
            with ui.row().classes('w-full gap-4 no-wrap max-md:flex-wrap items-stretch'):
                with ui.column().classes('grow basis-1/2 gap-1'):
                    self.to = self.address_input('to', _('To'), ', '.join(proposed.to))
                    self.cc = self.address_input('cc', _('Cc'), ', '.join(proposed.cc))
                    self.bcc = self.address_input('bcc', _('Bcc'), '')
                    if settings and settings.bcc_address:
                        copy = _('A copy also goes to {address} (Email settings).')
                        ui.label(copy.format(address=settings.bcc_address)).classes('text-caption text-grey-7')
                    self.subject = ui.input(_('Subject'), value=proposed.subject, validation=subject_error)
                    self.subject.mark('compose-subject')
                    limit_length(self.subject, LINE_LIMIT).classes('w-full').props('outlined dense')
                    self.body = ui.textarea(_(BODY_LABEL), value=proposed.text_body, validation=length_problem)
                    limit_length(self.body).mark('compose-body')
                    self.body.classes('w-full').props('outlined autogrow input-style="min-height: 12rem"')
                    if template_note:
                        ui.label(template_note).classes('text-caption text-warning')
                    self.chip_row = ui.row().classes('items-center gap-2')
                    with self.chip_row:
                        ui.spinner(size='sm')
                        ui.label(_('Rendering the PDF…')).classes('text-caption')
                    self.attachment_list()
                    upload = (
                        ui.upload(
                            label=_('Add files'),
                            on_upload=self.add_file,
                            auto_upload=True,
                            multiple=True,
                            max_file_size=MAX_ATTACHMENT_BYTES,
                        )
                        .props('flat bordered dense hide-upload-btn')
                        .classes('w-full')
                        .mark('compose-upload')
                        .on('rejected', self.too_large)
                    )
                    named_upload(upload)
                    self.progress = ui.column().classes('w-full gap-1')
                    self.result = ui.column().classes('w-full gap-1')
                    with ui.row().classes('w-full justify-end gap-2'):
                        ui.button(_('Cancel'), on_click=self.dialog.close).props('flat')
                        self.send_button = ui.button(_('Send'), icon='send').mark('compose-send')
                        on_click_with_shown_text(
                            self.send_button,
                            [self.to, self.cc, self.bcc, self.subject, self.body],
                            self.send,
                            self.stale,
                        )
                        self.send_button.disable()
                    for field in (self.to, self.cc, self.bcc, self.subject):
                        press_on_enter(field, self.send_button)
                self.preview = ui.column().classes('grow basis-1/2 min-h-[480px]')
        self.dialog.open()
        await self.render_pdf()

    def closed(self) -> None:
        """After a send, reload so the page shows the document as Sent and its new history line."""
        self.dialog.delete()
        if self.sent:
            ui.navigate.reload()

    def address_input(self, key: str, label: str, value: str) -> ui.input:
        required = key == 'to'
        field = ui.input(
            label, value=value, validation=lambda text: addresses.list_problem(text or '', required=required)
        )
        limit_length(field).classes('w-full').mark(f'compose-{key}')
        hint = (
            _('Several addresses: separate with , or ;')
            if required
            else _('Optional; several addresses: separate with , or ;')
        )
        field.props(f'outlined dense hint="{hint}"')
        note = ui.label(addresses.list_warning(value)).classes('text-caption text-orange-9')
        note.mark(f'compose-{key}-note')
        field.on_value_change(lambda e: note.set_text(addresses.list_warning(e.value or '')))
        return field

    @ui.refreshable_method
    def attachment_list(self) -> None:
        """Every file besides the PDF, by name and size, each removable from this message; then the total."""
        with ui.column().classes('w-full gap-1'):
            for attachment in self.extras:
                with ui.row().classes('items-center gap-2 no-wrap').mark('compose-attachment'):
                    ui.icon('attach_file', size='xs')
                    ui.label(f'{attachment.filename} · {human_size(len(attachment.data))}').classes('text-body2')
                    icon_button('close', _('Remove from this email'), lambda a=attachment: self.remove_file(a)).props(
                        'flat round dense size=sm'
                    ).mark(f'remove-{attachment.filename}')
            if self.attachment is not None:
                ui.label(size_summary([self.attachment, *self.extras])).classes('text-caption text-grey-7').mark(
                    'compose-size'
                )

    async def add_file(self, event: events.UploadEventArguments) -> None:
        data = await event.file.read()
        if isinstance(event.sender, ui.upload):  # the list below shows the file, or the notice why it is not there
            event.sender.reset()
        present = [a for a in (self.attachment, *self.extras) if a is not None]
        try:
            self.extras.append(added_file(event.file.name, data, present))
        except MessageError as error:
            ui.notify(_('Not attached: {problem}').format(problem=error.problem), type='warning', multi_line=True)
            return
        self.attachment_list.refresh()

    def too_large(self) -> None:
        ui.notify(
            _(
                'Not attached: a file is larger than {size}, more than mail servers take in one email. Send a '
                'smaller file, or a link to it in the message.'
            ).format(size=human_size(MAX_ATTACHMENT_BYTES)),
            type='warning',
            multi_line=True,
        )

    def remove_file(self, attachment: Attachment) -> None:
        self.extras.remove(attachment)
        self.attachment_list.refresh()

    async def render_pdf(self) -> None:
        folder = self.services.folder
        business = folder.business.load_or_default()
        for_type = folder.type_attachments.load(template_type(self.document))
        try:
            made = await run.io_bound(document_attachments, self.document, business, self.contact, for_type)
        except Exception as error:  # the PDF engine's own message is what the user needs
            self.chip_row.clear()
            with self.chip_row:
                ui.icon('error', color='negative')
                ui.label(_('The PDF could not be made: {problem}').format(problem=error)).classes('text-negative')
            return
        if made is None:  # the app is shutting down
            return
        self.attachment, *files = made
        self.extras = [*files, *self.extras]
        self.attachment_list.refresh()
        self.chip_row.clear()
        with self.chip_row:
            ui.chip(
                f'{self.attachment.filename} · {human_size(len(self.attachment.data))}',
                icon='picture_as_pdf',
                color='grey-3',
            ).mark('attachment-chip')
        data_url = f'data:application/pdf;base64,{base64.b64encode(self.attachment.data).decode()}'
        preview_title = _('PDF preview')
        with self.preview:
            ui.html(
                f'<iframe title="{preview_title}" src="{data_url}" style="width:100%;height:100%;min-height:480px;'
                'border:1px solid #ddd;border-radius:4px"></iframe>',
                sanitize=False,
            ).classes('w-full h-full').mark('compose-preview')
        self.send_button.enable()

    def draft(self) -> Draft:
        """Core's draft with what the person changed: the addresses, the subject and the body as shown."""
        assert self.proposed is not None
        body = self.body.value or ''
        edited = body != self.proposed.text_body
        return replace(
            self.proposed,
            to=tuple(addresses.split_list(self.to.value or '')),
            cc=tuple(addresses.split_list(self.cc.value or '')),
            bcc=tuple(addresses.split_list(self.bcc.value or '')),
            subject=self.subject.value or '',
            text_body=body,
            html_body=markdown_to_html(body) if edited else self.proposed.html_body,
        )

    async def send(self) -> None:
        if self.sending or self.attachment is None:
            return
        if problem := length_problem(self.body.value, what=_('The message')):
            self.refuse(_('Not sent: {problem}').format(problem=problem))
            return
        wrong = [field.props['label'] for field in (self.to, self.cc, self.bcc, self.subject) if not field.validate()]
        if wrong:
            fields = format_list(wrong, locale=babel_locale())
            ui.notify(_('Not sent: check {fields} (marked in red).').format(fields=fields), type='warning')
            return
        self.sending = True
        self.send_button.disable()
        self.result.clear()
        self.progress.clear()
        self.stages = []
        self.show_stage(Stage.RENDERING)
        try:
            record = await self.services.outbox.send(self.draft(), [self.attachment, *self.extras], self.on_stage)
        finally:
            self.sending = False
        self.show_result(record)

    def stale(self) -> None:
        self.refuse(
            _(
                'Not sent: the text on your screen had not all reached Mailroom (the connection dropped part of it), '
                'so nothing was sent. Check the message, then press Send again.'
            )
        )

    def refuse(self, text: str) -> None:
        self.result.clear()
        with self.result, ui.row().classes('items-center gap-2 text-negative no-wrap'):
            ui.icon('error')
            ui.label(text).mark('send-refused')

    def on_stage(self, stage: Stage) -> None:
        if stage in STAGE_LABELS:
            self.show_stage(stage)

    def show_stage(self, stage: Stage) -> None:
        """Every stage so far: the earlier ones ticked, the current one spinning."""
        self.stages = [*[s for s in self.stages if s is not stage], stage]
        self.progress.clear()
        with self.progress:
            for shown in self.stages:
                with ui.row().classes('items-center gap-2 send-stage'):
                    if shown is stage and stage is not Stage.RENDERING:
                        ui.spinner(size='xs')
                    else:
                        ui.icon('check', color='positive', size='xs')
                    ui.label(_(STAGE_LABELS[shown])).classes('text-caption')

    def show_result(self, record: EmailRecord) -> None:
        self.progress.clear()
        with self.result:
            if record.status is EmailStatus.SENT:
                with ui.row().classes('items-center gap-2 text-positive'):
                    ui.icon('check_circle')
                    sent_to = _('Sent to {addresses}.').format(addresses=', '.join(record.accepted))
                    ui.label(sent_to).classes('font-medium').mark('send-result')
                ui.label(record.reply).classes('text-caption font-mono text-grey-8')
                recipient_outcomes(record)  # a refused copy address
                self.sent = True
                self.send_button.set_text(_('Sent'))
                return
            queued = record.status is EmailStatus.QUEUED
            partly = record.status is EmailStatus.PARTLY_SENT
            with ui.row().classes(
                f'items-center gap-2 text-{"warning" if queued else "orange-9" if partly else "negative"}'
            ):
                ui.icon('schedule' if queued else 'rule' if partly else 'error')
                ui.label(result_headline(record)).classes('font-medium').mark('send-result')
            failure_details(record)
            with ui.row().classes('gap-3'):
                ui.link(_('Open the email log'), f'/emails?document={record.draft.document_id}')
                if record.cause != 'invalid-input' or record.step != 'input':
                    ui.link(_('Check the email settings'), '/settings')
            if record.accepted:  # sending again from here would reach them twice; Retry in the log does not
                self.sent = True
                self.send_button.set_text(_('Partly sent'))
            elif not queued:
                self.send_button.enable()


def result_headline(record: EmailRecord) -> str:
    """What became of an email that did not reach every recipient."""
    accepted = ', '.join(record.accepted)
    if record.status is EmailStatus.QUEUED and record.accepted:
        return _('Sent to {addresses}, but not to everyone yet: Mailroom will try again by itself.').format(
            addresses=accepted
        )
    if record.status is EmailStatus.QUEUED:
        return _('Not sent yet: Mailroom will try again by itself.')
    if record.status is EmailStatus.PARTLY_SENT:
        return _('Partly sent: to {addresses} only. Retry in the email log sends to the others.').format(
            addresses=accepted
        )
    return _('The email was not sent.')
