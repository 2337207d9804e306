"""The dialog that emails many documents at once: templates per type, a preview, the preflight, then the batch."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

from nicegui import background_tasks, run, ui

from core.batch import PREVIEW_COUNT, QUEUE_CHUNK, Prepared, prepare, settings_problem, size_problems
from core.documents.model import BusinessProfile, Contact, Document, document_language
from core.documents.statement import Statement
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, ngettext
from core.i18n.phrase import Phrase, phrase
from core.message import human_size
from core.outbox import document_key, document_label, recipient_of
from core.templates import EmailTemplate, template_type, type_label
from ui.components import DIALOG_PROPS, icon_button, local_time, shown_title, titled
from ui.services import Services

BODY_START = 160


class BatchDialog:
    """Built when opened; every document is prepared by the same builder as the Email button."""

    def __init__(self, services: Services, documents: Sequence[Document | Statement], title: Phrase) -> None:
        self.services = services
        self.documents = list(documents)
        self.title = title
        self.items: list[Prepared] = []
        self.size_note = ''
        folder = services.folder
        business, contacts = folder.business.load_or_default(), folder.contacts.by_id()
        self.keys = [template_key(document, business, contacts) for document in self.documents]
        self.templates: dict[tuple[str, str], EmailTemplate] = {
            key: folder.templates.load(*key) for key in dict.fromkeys(self.keys)
        }
        self.type_files = {kind: tuple(folder.type_attachments.load(kind)) for kind, _lang in self.templates}
        self.blocker = settings_problem(folder.settings.is_saved(), folder.settings.load)
        saved = folder.settings.load_public()
        self.size_limit = folder.server_facts.size_limit(saved.host, saved.port) if saved else None
        self.sending = False
        self.prepared = False  # every document's email and PDF made

    async def open(self) -> None:
        self.dialog = ui.dialog().props(DIALOG_PROPS)
        self.dialog.on('hide', self.dialog.delete)
        with self.dialog, ui.card().classes('w-[1100px] max-w-full'):
            with ui.row().classes('w-full items-center'):
                titled(
                    self.dialog,
                    ui.label(_('Email {title}').format(title=str(self.title))).classes('text-h6').mark('batch-title'),
                )
                ui.space()
                icon_button('close', _('Close'), self.dialog.close).props('flat round dense').mark('batch-close')
            if self.blocker:
                with ui.row().classes('items-center gap-2 text-negative no-wrap'):
                    ui.icon('error')
                    ui.label(self.blocker).mark('batch-blocker')
                ui.link(_('Open Email settings'), '/settings')
            self.template_fields()
            self.status = ui.label('').classes('text-caption').mark('batch-status')
            self.bar = ui.linear_progress(value=0, show_value=False).classes('w-full')
            with ui.scroll_area().classes('w-full h-[45vh] border rounded'):
                self.checks = ui.column().classes('w-full gap-1').mark('batch-preflight')
                self.preview = ui.column().classes('w-full gap-2').mark('batch-preview')
            self.estimate = ui.label('').classes('text-caption').mark('batch-estimate')
            with ui.row().classes('w-full justify-end gap-2'):
                ui.button(_('Cancel'), on_click=self.dialog.close).props('flat')
                self.send_button = ui.button(_('Send'), icon='send', on_click=self.send).mark('batch-send')
                self.send_button.disable()
        self.dialog.open()
        background_tasks.create(self.prepare_all(), name='prepare batch')  # the click answers at once

    def template_fields(self) -> None:
        """One subject and body per document type and language in the batch, as saved on the Email templates page."""
        self.subjects: dict[tuple[str, str], ui.input] = {}
        self.bodies: dict[tuple[str, str], ui.textarea] = {}
        several = len({language for _kind, language in self.templates}) > 1
        with ui.expansion(_('Email template per document type'), icon='edit_note').classes('w-full'):
            for key, template in self.templates.items():
                kind, language = key
                mark = kind if language == DEFAULT_LANGUAGE else f'{kind}-{language}'
                ui.label(f'{type_label(kind)} · {LANGUAGES[language]}' if several else type_label(kind)).classes(
                    'font-medium'
                )
                self.subjects[key] = ui.input(_('Subject'), value=template.subject).classes('w-full').props('dense')
                self.subjects[key].mark(f'batch-subject-{mark}')
                self.bodies[key] = (
                    ui.textarea(_('Message'), value=template.body).classes('w-full').props('dense autogrow')
                )
            ui.label(
                _('Changes here apply to this batch only; the Email templates page keeps the saved ones.')
            ).classes('text-caption text-grey-7')
            ui.button(_('Update preview'), icon='refresh', on_click=self.apply_templates).props('outline dense').mark(
                'batch-update-preview'
            )

    async def prepare_all(self) -> None:
        """Each document's email and PDF, made in another process: rendering holds the interpreter, and fifty in a
        row would starve the page's connection."""
        folder = self.services.folder
        business = folder.business.load_or_default()
        contacts = folder.contacts.by_id()
        total = len(self.documents)
        self.items = []
        for number, (document, key) in enumerate(zip(self.documents, self.keys, strict=True), start=1):
            if self.dialog.is_deleted:  # closed before everything was prepared
                return
            preparing = _('Preparing {number} of {count}: {title}…')
            self.status.set_text(preparing.format(number=number, count=total, title=shown_title(document)))
            self.bar.set_value(number / max(1, total))
            contact = None if isinstance(document, Statement) else contacts.get(document.contact_id)
            template = self.templates[key]
            extras = self.type_files[template_type(document)]
            problem = phrase('The PDF could not be made.')
            try:
                item = await run.io_bound(prepare, document, business, contact, template, extras)
            except Exception as error:  # the PDF engine's own words are what the user needs
                item, problem = None, phrase('The PDF could not be made: {problem}', problem=str(error))
            self.items.append(item or Prepared(document_key(document), document_label(document), None, (), (problem,)))
        self.items, self.size_note = size_problems(self.items, self.size_limit)
        self.prepared = True
        self.bar.set_visibility(False)
        self.show_checks()

    def apply_templates(self) -> None:
        """The edited templates, applied to every prepared email (the PDFs stay as they are)."""
        if not self.prepared:
            ui.notify(_('The documents are still being prepared: update the preview once they are all ready.'))
            return
        self.templates = {
            key: EmailTemplate(self.subjects[key].value or '', self.bodies[key].value or '') for key in self.templates
        }
        folder = self.services.folder
        business = folder.business.load_or_default()
        contacts = folder.contacts.by_id()
        updated = []
        for document, key, item in zip(self.documents, self.keys, self.items, strict=True):
            contact = None if isinstance(document, Statement) else contacts.get(document.contact_id)
            fresh = prepare(document, business, contact, self.templates[key], render=False)
            if fresh.problems or item.attachments:
                updated.append(replace(fresh, attachments=item.attachments))
            else:  # its PDF could not be made: that stays its problem
                updated.append(item)
        updated, self.size_note = size_problems(updated, self.size_limit)
        self.items = updated
        self.show_checks()

    def show_checks(self) -> None:
        ready = [i for i in self.items if i.ready]
        problems = [i for i in self.items if not i.ready]
        self.status.set_text(
            ngettext('{number} of {count} ready to send.', '{number} of {count} ready to send.', len(ready)).format(
                number=len(ready), count=len(self.items)
            )
        )
        self.checks.clear()
        with self.checks:
            if problems:
                ui.label(
                    ngettext('{count} will not be sent:', '{count} will not be sent:', len(problems)).format(
                        count=len(problems)
                    )
                ).classes('font-medium text-negative')
                for item in problems:
                    with ui.row().classes('items-start gap-2 no-wrap'):
                        ui.icon('error', color='negative', size='xs')
                        ui.label(' '.join(str(line) for line in item.left_out())).classes('text-caption').mark(
                            'batch-problem'
                        )
            else:
                with ui.row().classes('items-center gap-2'):
                    ui.icon('check_circle', color='positive', size='xs')
                    ui.label(_('Every document has a valid address.')).classes('text-caption')
            if self.size_note:
                ui.label(self.size_note).classes('text-caption text-grey-7')
        self.preview.clear()
        with self.preview:
            for item in ready[:PREVIEW_COUNT]:
                preview_card(item)
            if len(ready) > PREVIEW_COUNT:
                more = len(ready) - PREVIEW_COUNT
                ui.label(
                    ngettext(
                        '… and {count} more, each with its own PDF.', '… and {count} more, each with its own PDF.', more
                    ).format(count=more)
                ).classes('text-caption')
        self.estimate.set_text(self.estimate_text(ready))
        can_send = bool(ready) and not self.blocker
        self.send_button.set_text(
            ngettext('Send {count} email', 'Send {count} emails', len(ready)).format(count=len(ready))
        )
        self.send_button.set_enabled(can_send)

    def estimate_text(self, ready: list[Prepared]) -> str:
        if not ready:
            return ''
        outbox = self.services.outbox
        limits = outbox.sending_limits()
        finish = outbox.finish_time([i.recipients for i in ready])
        if limits:
            return _(
                'Sending limits ({source}): {limits}. The emails are spread out to stay within them; the last should '
                'go by {time}.'
            ).format(source=_(limits.source), limits=limits.describe(), time=local_time(finish))
        return _('The emails are spread out to stay within them; the last should go by {time}.').format(
            time=local_time(finish)
        )

    async def send(self) -> None:
        if self.sending or self.blocker:
            return
        self.sending = True
        self.send_button.disable()
        left_out = [line for i in self.items if not i.ready for line in i.left_out()]
        batches = self.services.batches
        batch = batches.begin(self.title, left_out)
        ready = [i for i in self.items if i.ready]
        ids: list[str] = []
        for first in range(0, len(ready), QUEUE_CHUNK):
            last = min(first + QUEUE_CHUNK, len(ready))
            queueing = _('Queueing {first} to {last} of {count}…')
            self.status.set_text(queueing.format(first=first + 1, last=last, count=len(ready)))
            ids += batches.add(batch, ready[first : first + QUEUE_CHUNK])
            await asyncio.sleep(0)  # let the page breathe between the writes
        batches.launch(batch, ids)
        self.dialog.close()
        ui.navigate.to(f'/batches/{batch.id}')


def template_key(
    document: Document | Statement, business: BusinessProfile, contacts: dict[str, Contact]
) -> tuple[str, str]:
    """Which saved template a document's email uses: its type's, in its contact's language."""
    contact = None if isinstance(document, Statement) else contacts.get(document.contact_id)
    return template_type(document), document_language(business, recipient_of(document, contact))


def preview_card(item: Prepared) -> None:
    """What one email will look like: to whom, the subject, how the message starts, and its PDF."""
    assert item.draft is not None
    draft = item.draft
    body = ' '.join(draft.text_body.split())
    start = body[:BODY_START] + ('…' if len(body) > BODY_START else '')
    with ui.card().props('flat bordered').classes('w-full p-2 gap-0').mark('batch-preview-card'):
        recipients = ', '.join([*draft.to, *(f'cc {a}' for a in draft.cc)])
        ui.label(_('To {recipients}').format(recipients=recipients)).classes('text-caption text-grey-8')
        ui.label(draft.subject).classes('font-medium')
        ui.label(start).classes('text-caption')
        with ui.row().classes('gap-1'):
            for attachment in item.attachments:
                ui.chip(f'{attachment.filename} · {human_size(len(attachment.data))}', icon='attach_file').props(
                    'dense'
                ).classes('bg-grey-3')


async def email_many(services: Services, documents: Sequence[Document | Statement], title: Phrase) -> None:
    """Open the batch dialog for these documents; its preflight says what stops any of them from going."""
    if not documents:
        ui.notify(_('Choose at least one document first.'), type='warning')
        return
    await BatchDialog(services, documents, title).open()
