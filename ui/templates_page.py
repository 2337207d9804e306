"""The Email templates page: subject and Markdown body per document type and language, the placeholders, and a live
preview in that language."""

from __future__ import annotations

from typing import Any

from nicegui import events, ui

from core.attachments import MAX_ATTACHMENT_BYTES, added_file
from core.i18n import LANGUAGES, _, current_language, using_language
from core.message import MessageError, human_size
from core.templates import (
    DEFAULT_TEMPLATES,
    PLACEHOLDERS,
    EmailTemplate,
    TemplateError,
    render_email,
    sample_context,
    template_problems,
    type_label,
)
from ui.components import icon_button, named_upload, titled
from ui.language import page
from ui.layout import frame
from ui.notices import PageNotifier
from ui.services import Services
from ui.shown_text import LINE_LIMIT, length_problem, limit_length, on_click_with_shown_text

# Quasar resets paragraph margins and list bullets; a mail program shows them, so the preview must too.
PREVIEW_CSS = '.email-preview p { margin: 0 0 0.8em } .email-preview ul { list-style: disc; padding-left: 1.5em }'
# Closing the tab, reloading or following a link while an edit is unsaved: the browser asks first.
LEAVE_GUARD = (
    '<script>window.addEventListener("beforeunload", (event) => '
    '{ if (window.mailroomUnsaved) { event.preventDefault(); event.returnValue = ""; } });</script>'
)


def register(services: Services) -> None:
    @page('/templates')
    def templates_page() -> None:
        with frame(_('Email templates')):
            ui.add_css(PREVIEW_CSS)
            ui.add_head_html(LEAVE_GUARD)
            TemplatesEditor(services).build()


class TemplatesEditor:
    """One document type in one language at a time; the preview re-renders on every keystroke with the placeholders'
    examples, in the template's language. The business's language is the one shown first."""

    def __init__(self, services: Services) -> None:
        self.repository = services.folder.templates
        self.files = services.folder.type_attachments
        self.business = services.folder.business.load_or_default()
        self.document_type = next(iter(DEFAULT_TEMPLATES))
        self.language = self.business.language
        self.saved = self.repository.load(self.document_type, self.language)
        self.guarding = False  # whether the browser currently asks before the page is left
        self.notify = PageNotifier()
        self.tabs: ui.tabs
        self.languages: ui.toggle
        self.subject: ui.input
        self.body: ui.textarea
        self.save_button: ui.button
        self.unsaved: ui.badge

    def build(self) -> None:
        ui.label(
            _(
                'The subject and text of the email that carries each kind of document. The body is Markdown '
                '(**bold**, *italic*, - lists); it is sent as HTML with a plain-text copy.'
            )
        ).classes('text-grey-8')
        with ui.row().classes('w-full items-center gap-3'):
            ui.label(_('Language')).classes('text-grey-8')
            self.languages = ui.toggle(
                dict(LANGUAGES), value=self.language, on_change=lambda e: self.switch_to(language=str(e.value))
            ).props('dense no-caps')
            self.languages.mark('template-language')
            ui.label(_("Each contact gets the email in its own language (Contacts), else in the business's.")).classes(
                'text-caption text-grey-7'
            )
        with ui.tabs(on_change=lambda e: self.switch_to(document_type=str(e.value))) as self.tabs:
            for document_type in DEFAULT_TEMPLATES:
                ui.tab(document_type, label=type_label(document_type))
        self.tabs.classes('w-full').props('align=left dense no-caps')
        with ui.row().classes('w-full gap-6 items-start no-wrap max-lg:flex-wrap'):
            with ui.column().classes('grow basis-1/2 gap-2'):
                self.subject = ui.input(_('Subject'), on_change=self.preview.refresh).classes('w-full').mark('subject')
                limit_length(self.subject, LINE_LIMIT).props('outlined')
                self.body = (
                    ui.textarea(_('Body (Markdown)'), on_change=self.preview.refresh).classes('w-full').mark('body')
                )
                limit_length(self.body).props(
                    'outlined autogrow input-style="min-height: 14rem; font-family: monospace"'
                )
                with ui.row().classes('gap-2 items-center'):
                    self.save_button = ui.button(_('Save template'), icon='save')
                    on_click_with_shown_text(self.save_button, [self.subject, self.body], self.save, self.stale)
                    ui.button(_('Reset to default'), icon='restart_alt', on_click=self.reset).props('flat')
                    self.unsaved = ui.badge(_('Unsaved changes'), color='orange').props('outline')
                self.type_files()
                self.placeholder_list()
            with ui.column().classes('grow basis-1/2 gap-2'):
                ui.label(_('Preview')).classes('text-subtitle1 font-medium')
                self.preview()
        self.tabs.set_value(self.document_type)
        self.choose(self.document_type, self.language)

    def switch_to(self, document_type: str | None = None, language: str | None = None) -> None:
        """Another tab or language: at once when nothing is unsaved, otherwise only once the edit is given up."""
        document_type = document_type or self.document_type
        language = language or self.language
        if (document_type, language) == (self.document_type, self.language):
            return
        if self.current() == self.saved:
            self.choose(document_type, language)
            return
        label = type_label(self.document_type).lower()

        def discard() -> None:
            dialog.close()
            self.choose(document_type, language)

        def keep() -> None:
            dialog.close()
            self.tabs.set_value(self.document_type)
            self.languages.set_value(self.language)

        with ui.dialog().props('no-backdrop-dismiss') as dialog, ui.card().classes('max-w-md'):
            title = _('Your changes to the {label} template are not saved').format(label=label)
            titled(dialog, ui.label(title).classes('text-h6'))
            ui.label(_('Keep editing to save them first, or discard them and open the other template.'))
            with ui.row().classes('w-full justify-end'):
                ui.button(_('Keep editing'), on_click=keep).props('flat').mark('keep-editing')
                ui.button(_('Discard changes'), on_click=discard).props('unelevated').mark('discard-changes')
        dialog.on('escape-key', keep)  # Esc leaves the edit as it is, like Keep editing
        dialog.on('hide', dialog.delete)
        dialog.open()

    def choose(self, document_type: str, language: str) -> None:
        self.document_type = document_type
        self.language = language
        self.saved = self.repository.load(document_type, language)
        self.subject.value = self.saved.subject
        self.body.value = self.saved.body
        self.preview.refresh()
        self.type_files.refresh()
        self.placeholder_list.refresh()

    def current(self) -> EmailTemplate:
        return EmailTemplate(subject=self.subject.value or '', body=self.body.value or '')

    @ui.refreshable_method
    def preview(self) -> None:
        """Problems first (found without rendering), then the email as the recipient would see it."""
        template = self.current()
        self.guard_leaving(template != self.saved)
        problems: list[TemplateError | str] = [*template_problems(template)]
        try:
            context = self.preview_context()
            with using_language(self.language):
                rendered = render_email(template, context)
        except TemplateError as error:
            problems = problems or [error]
            rendered = None
        if too_long := length_problem(template.body, what='The body'):
            problems.append(too_long)
        self.save_button.set_enabled(not problems)
        for problem in problems:
            with ui.row().classes('items-start gap-2 text-negative no-wrap'):
                ui.icon('error_outline')
                ui.label(str(problem)).mark('template-problem')
        if rendered is None:
            return
        with ui.card().classes('w-full gap-1').props('flat bordered'):
            ui.label(_('Subject: {subject}').format(subject=rendered.subject)).classes('font-medium').mark(
                'preview-subject'
            )
            ui.separator()
            ui.html(rendered.html, sanitize=False).classes('email-preview').mark('preview-body')

    def guard_leaving(self, unsaved: bool) -> None:
        self.unsaved.set_visibility(unsaved)
        if unsaved != self.guarding:
            self.guarding = unsaved
            ui.run_javascript(f'window.mailroomUnsaved = {"true" if unsaved else "false"}')

    def preview_context(self) -> dict[str, Any]:
        """The examples in the template's language, with your own business details once the profile has them."""
        with using_language(self.language):
            context = sample_context(self.document_type)
        if self.business.name:
            business = self.business
            context['business'] = {'name': business.name, 'email': business.email, 'phone': business.phone}
        return context

    @ui.refreshable_method
    def type_files(self) -> None:
        """Files that go with every email of this type, saved at once (they are not part of the template's text)."""
        label = type_label(self.document_type).lower()
        ui.label(
            _(
                'Files attached to every {label} email, in every language (for example your terms and conditions)'
            ).format(label=label)
        ).classes('text-subtitle2 mt-2')
        attached = self.files.load(self.document_type)
        with ui.column().classes('w-full gap-1'):
            if not attached:
                ui.label(_("None: the email carries the document's PDF only.")).classes('text-caption text-grey-7')
            for attachment in attached:
                with ui.row().classes('items-center gap-2 no-wrap').mark('type-attachment'):
                    ui.icon('attach_file', size='xs')
                    ui.label(f'{attachment.filename} · {human_size(len(attachment.data))}')
                    icon_button(
                        'delete', _('Stop attaching this file'), lambda a=attachment: self.remove_file(a.filename)
                    ).props('flat round dense size=sm').mark(f'remove-type-{attachment.filename}')
        upload = (
            ui.upload(
                label=_('Add a file to every {label} email').format(label=label),
                on_upload=self.add_file,
                auto_upload=True,
                max_file_size=MAX_ATTACHMENT_BYTES,
            )
            .props('flat bordered dense hide-upload-btn')
            .classes('w-full')
            .mark('type-upload')
        )
        named_upload(upload)

    async def add_file(self, event: events.UploadEventArguments) -> None:
        data = await event.file.read()
        if isinstance(event.sender, ui.upload):  # the list below shows the file, or the notice why it is not there
            event.sender.reset()
        try:
            attachment = added_file(event.file.name, data, self.files.load(self.document_type))
        except MessageError as error:
            self.notify(_('Not added: {problem}').format(problem=error.problem), type='warning', multi_line=True)
            return
        self.files.add(self.document_type, attachment)
        self.type_files.refresh()
        label = type_label(self.document_type).lower()
        self.notify(
            _('{filename} now goes with every {label} email.').format(filename=attachment.filename, label=label),
            type='positive',
        )

    def remove_file(self, filename: str) -> None:
        self.files.remove(self.document_type, filename)
        self.type_files.refresh()
        label = type_label(self.document_type).lower()
        self.notify(_('{filename} is no longer attached to {label} emails.').format(filename=filename, label=label))

    @ui.refreshable_method
    def placeholder_list(self) -> None:
        """Described in the page's language, with examples in the template's (dates and money as it prints them)."""
        ui.label(_('Placeholders (click to add one to the body)')).classes('text-subtitle2 mt-2')
        with ui.list().props('dense bordered separator').classes('w-full rounded'):
            for placeholder in PLACEHOLDERS:
                tag = f'{{{{ {placeholder.name} }}}}'
                item = ui.item(on_click=lambda tag=tag: self.insert(tag)).props('clickable')
                item.mark(f'placeholder-{placeholder.name}')
                with item, ui.item_section():
                    ui.item_label(tag).classes('font-mono')
                    with using_language(self.language):
                        example = _(placeholder.example)
                    described = _('{description} — e.g. {example}').format(
                        description=_(placeholder.description), example=example
                    )
                    ui.item_label(described).props('caption')

    def insert(self, tag: str) -> None:
        body = self.body.value or ''
        self.body.value = f'{body}{"" if not body or body.endswith((" ", chr(10))) else " "}{tag}'

    def save(self) -> None:
        template = self.current()
        if problems := [
            *map(str, template_problems(template)),
            *filter(None, [length_problem(template.body, what='The body')]),
        ]:
            self.notify(_('Not saved: {problem}').format(problem=problems[0]), type='negative')
            return
        self.repository.save(self.document_type, template, self.language)
        self.saved = template
        self.preview.refresh()
        self.notify(_('Saved the {label} template.').format(label=self.label()), type='positive')

    def stale(self) -> None:
        self.notify(
            _(
                'Not saved: the text on your screen had not all reached Mailroom (the connection dropped part of it). '
                'Check the template, then press Save template again.'
            ),
            type='negative',
            multi_line=True,
        )

    def reset(self) -> None:
        self.repository.reset(self.document_type, self.language)
        self.choose(self.document_type, self.language)
        self.notify(_('The {label} template is back to the default.').format(label=self.label()))

    def label(self) -> str:
        """'sales invoice', and the language too when it is not the page's: 'sales invoice (Íslenska)'."""
        label = type_label(self.document_type).lower()
        return label if self.language == current_language() else f'{label} ({LANGUAGES[self.language]})'
