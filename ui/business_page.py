"""The business profile: the letterhead of every document, its currency, paper size and logo."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nicegui import events, ui

from core import addresses
from core.documents import PAPER_LABELS, BusinessProfile, Paper, validate_business
from core.i18n import LANGUAGES, N_, _, pgettext
from ui.components import named_upload
from ui.language import page
from ui.layout import frame
from ui.services import Services

MAX_LOGO_BYTES = 512 * 1024
FIELD_LABELS = {'name': N_('Business name'), 'email': N_('Email'), 'currency': N_('Currency')}
TEXT_FIELDS = ('name', 'address', 'tax_number', 'email', 'phone', 'currency', 'payment_details')


def register(services: Services) -> None:
    @page('/business')
    def business_page() -> None:
        with frame(_('Business')):
            BusinessEditor(services).build()


class BusinessEditor:
    def __init__(self, services: Services) -> None:
        self.services = services
        profile = services.folder.business.load_or_default()
        self.values: dict[str, Any] = {name: getattr(profile, name) for name in TEXT_FIELDS}
        self.values['paper'] = profile.paper.value
        self.values['language'] = profile.language
        self.logo = profile.logo

    def build(self) -> None:
        ui.label(_('Your business as it appears on every document.')).classes('text-grey-8')
        with ui.card().classes('w-full max-w-2xl').props('flat bordered'):
            self.inputs = [
                ui.input(_('Business name'), validation=lambda v: None if (v or '').strip() else _('Enter the name.'))
                .bind_value(self.values, 'name')
                .classes('w-full')
                .mark('name'),
                ui.input(
                    pgettext('field', 'Email'), validation=lambda v: addresses.problem(v) if (v or '').strip() else None
                )
                .bind_value(self.values, 'email')
                .classes('w-full')
                .mark('email'),
                ui.input(
                    _('Currency'),
                    validation=lambda v: (
                        None
                        if len(v or '') == 3 and (v or '').isalpha() and (v or '').isupper()
                        else _('Three capital letters, such as EUR.')
                    ),
                )
                .bind_value(self.values, 'currency')
                .classes('w-32')
                .mark('currency'),
            ]
            ui.textarea(_('Address')).bind_value(self.values, 'address').classes('w-full').props('autogrow').mark(
                'address'
            )
            with ui.row().classes('w-full gap-4'):
                ui.input(_('Tax / registration number')).bind_value(self.values, 'tax_number').classes('grow').mark(
                    'tax-number'
                )
                ui.input(_('Phone')).bind_value(self.values, 'phone').classes('grow').mark('phone')
            ui.textarea(_('Payment details (printed on invoices and statements)')).bind_value(
                self.values, 'payment_details'
            ).classes('w-full').props('autogrow').mark('payment-details')
            ui.select({p.value: _(PAPER_LABELS[p]) for p in Paper}, label=_('Paper size')).bind_value(
                self.values, 'paper'
            ).classes('w-48').mark('paper')
            ui.select(dict(LANGUAGES), label=_('Language of documents and emails')).bind_value(
                self.values, 'language'
            ).classes('w-72').mark('language')
            ui.label(
                _('Contacts that have no language of their own get their documents and emails in this one.')
            ).classes('text-caption text-grey-7')
            logo = ui.label(_('Logo (PNG, JPEG or SVG, up to 512 KB)')).classes('text-grey-7 mt-2')
            with ui.row().classes('items-center gap-4'):
                upload = ui.upload(on_upload=self.on_upload, auto_upload=True, max_file_size=MAX_LOGO_BYTES).props(
                    'accept=".png,.jpg,.jpeg,.svg" flat bordered'
                )
                named_upload(upload.classes('w-72'), logo.text)
                self.logo_state = ui.label().classes('text-grey-8')
                self.remove_logo = ui.button(_('Remove logo'), icon='delete', on_click=self.clear_logo).props('flat')
            self.show_logo_state()
            with ui.row().classes('w-full justify-end'):
                ui.button(_('Save'), icon='save', on_click=self.save).props('unelevated').mark('save')

    async def on_upload(self, event: events.UploadEventArguments) -> None:
        self.logo = await event.file.read()
        self.show_logo_state()

    def clear_logo(self) -> None:
        self.logo = None
        self.show_logo_state()

    def show_logo_state(self) -> None:
        size = len(self.logo) // 1024 or 1 if self.logo else 0
        self.logo_state.text = _('Logo set ({size} KB); save to keep it.').format(size=size) if self.logo else ''
        self.remove_logo.set_visibility(self.logo is not None)

    def profile(self) -> BusinessProfile:
        text: dict[str, Any] = {name: (self.values.get(name) or '').strip() for name in TEXT_FIELDS}
        return replace(
            BusinessProfile(**text), paper=Paper(self.values['paper']), logo=self.logo, language=self.values['language']
        )

    def save(self) -> None:
        fields_ok = all([i.validate() for i in self.inputs])
        profile = self.profile()
        errors = validate_business(profile)
        if not fields_ok or errors:
            named = ' '.join(f'{_(FIELD_LABELS[k]) if k in FIELD_LABELS else k}: {v}' for k, v in errors.items())
            not_saved = _('Not saved. {problems}').format(problems=named)
            ui.notify(not_saved if named else _('Please correct the highlighted fields.'), type='negative')
            return
        self.services.folder.business.save(profile)
        ui.notify(_('Business profile saved.'), type='positive')
