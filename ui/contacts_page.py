"""Customers and suppliers: list, view (with the customer's statement), create, edit and delete."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

from fastapi import HTTPException, Response
from nicegui import app, ui

from core import addresses
from core.documents import Contact, ContactKind, format_money, new_id, validate_contact
from core.documents.model import document_language
from core.i18n import LANGUAGES, N_, _, ngettext, pgettext
from ui.components import confirm_delete, pdf_response, selection_slots, slot_icon_button
from ui.document_actions import action_buttons
from ui.language import page
from ui.layout import frame
from ui.services import Services
from ui.statement_batch import choose_statements

STATEMENT_DAYS = 90
EMAILS_LABEL = N_('To (one address per line; documents go to each)')
CC_LABEL = N_('Cc (optional; copied on every email)')
OTHER_LABEL = N_('Other addresses (not emailed)')
OTHER_NOTE = N_(
    'Kept from before To and Cc existed, when documents went to the first address only. These get nothing: move '
    'each to To or Cc to send it documents, or delete it.'
)
LANGUAGE_LABEL = N_('Language of documents and emails')
NEW_KIND: dict[ContactKind, str] = {ContactKind.CUSTOMER: N_('New customer'), ContactKind.SUPPLIER: N_('New supplier')}


def register(services: Services) -> None:
    folder = services.folder

    def statement_pdf(contact_id: str, start: str = '', end: str = '', download: bool = False) -> Response:
        from core.pdf import pdf_filename, render  # Typst loads with the first PDF, not with the app

        customer = folder.contacts.get(contact_id)
        if customer is None or customer.kind is not ContactKind.CUSTOMER:
            raise HTTPException(status_code=404, detail=_('No such customer.'))
        period_start, period_end = statement_period(start, end)
        business = folder.business.load_or_default()
        statement = folder.documents.statement(customer, period_start, period_end, business.currency)
        return pdf_response(render(statement, business), pdf_filename(statement), download=download)

    app.add_api_route('/contacts/{contact_id}/statement.pdf', statement_pdf, methods=['GET'])

    @page('/contacts')
    def contacts_page() -> None:
        with frame(_('Contacts')):
            contact_list(services)

    @page('/contacts/new/{kind}')
    def new_contact_page(kind: str) -> None:
        with frame(_('New contact')):
            contact_kind = ContactKind.SUPPLIER if kind == ContactKind.SUPPLIER.value else ContactKind.CUSTOMER
            ContactEditor(services, Contact(new_id(), contact_kind, ''), is_new=True).build()

    @page('/contacts/{contact_id}')
    def contact_page(contact_id: str) -> None:
        with frame(_('Contact')):
            contact = folder.contacts.get(contact_id)
            if contact is None:
                missing()
                return
            contact_view(services, contact)

    @page('/contacts/{contact_id}/edit')
    def edit_contact_page(contact_id: str) -> None:
        with frame(_('Edit contact')):
            contact = folder.contacts.get(contact_id)
            if contact is None:
                missing()
                return
            ContactEditor(services, contact, is_new=False).build()

    @page('/contacts/{contact_id}/statement')
    def statement_page(contact_id: str, start: str = '', end: str = '') -> None:
        with frame(_('Customer statement')):
            customer = folder.contacts.get(contact_id)
            if customer is None or customer.kind is not ContactKind.CUSTOMER:
                missing()
                return
            statement_view(services, customer, *statement_period(start, end))


def statement_period(start: str, end: str) -> tuple[date, date]:
    """The last 90 days unless the person chose a period; a reversed period is put the right way round."""
    try:
        period_end = date.fromisoformat(end) if end else date.today()
        period_start = date.fromisoformat(start) if start else period_end - timedelta(days=STATEMENT_DAYS)
    except ValueError:
        period_end = date.today()
        period_start = period_end - timedelta(days=STATEMENT_DAYS)
    return min(period_start, period_end), max(period_start, period_end)


def missing() -> None:
    ui.label(_('This contact does not exist (it may have been deleted).'))
    ui.link(_('Back to contacts'), '/contacts')


def contact_list(services: Services) -> None:
    folder = services.folder
    table: ui.table  # built below; the statements button reads its ticked rows
    with ui.row().classes('w-full items-center gap-3'):
        search = ui.input(placeholder=_('Search contacts')).props('clearable dense outlined').classes('w-80')
        ui.space()
        ui.button(
            _('Email statements to…'),
            icon='forward_to_inbox',
            on_click=lambda: choose_statements(
                services, [row['id'] for row in table.selected], statement_period('', '')
            ),
        ).props('outline').mark('email-statements')
        for kind, icon in ((ContactKind.CUSTOMER, 'person_add'), (ContactKind.SUPPLIER, 'local_shipping')):
            ui.button(
                _(NEW_KIND[kind]), icon=icon, on_click=lambda kind=kind: ui.navigate.to(f'/contacts/new/{kind.value}')
            ).props('unelevated' if kind is ContactKind.CUSTOMER else 'outline')
    columns: list[dict[str, Any]] = [
        {'name': 'name', 'label': _('Name'), 'field': 'name', 'sortable': True, 'align': 'left'},
        {'name': 'kind', 'label': _('Kind'), 'field': 'kind', 'sortable': True, 'align': 'left'},
        {'name': 'email', 'label': pgettext('field', 'Email'), 'field': 'email', 'align': 'left'},
        {'name': 'actions', 'label': '', 'field': 'id', 'align': 'right'},
    ]

    def rows() -> list[dict[str, str]]:
        return [
            {'id': c.id, 'name': c.name, 'kind': c.kind.label, 'email': ', '.join(c.emails)}
            for c in folder.contacts.all()
        ]

    table = ui.table(columns=columns, rows=rows(), row_key='id', pagination=25, selection='multiple')
    table.classes('w-full').props('flat bordered')
    table.mark('contacts-table')
    selection_slots(table, 'props.row.name', _('Select the contacts on this page'))
    table.bind_filter_from(search, 'value')
    table.add_slot(
        'body-cell-name',
        '<q-td :props="props"><a :href="\'/contacts/\' + props.row.id" class="text-primary font-medium">'
        '{{ props.value }}</a></q-td>',
    )
    buttons = slot_icon_button(
        _('Edit'), 'color="grey-8" icon="edit" :href="\'/contacts/\' + props.row.id + \'/edit\'"'
    ) + slot_icon_button(_('Delete'), 'color="negative" icon="delete" @click="$parent.$emit(\'delete\', props.row.id)"')
    table.add_slot('body-cell-actions', f'<q-td :props="props" class="whitespace-nowrap">{buttons}</q-td>')
    table.props(':grid="Quasar.Screen.lt.md"')  # narrower than a laptop: each contact a stacked row
    table.add_slot(
        'item',
        '<div class="q-pa-xs col-12"><q-card flat bordered :class="props.selected ? \'bg-blue-1\' : \'\'">'
        '<q-card-section class="row items-center no-wrap q-py-sm">'
        '<q-checkbox dense v-model="props.selected" :aria-label="props.row.name" class="q-mr-sm" />'
        '<div class="col" style="min-width: 0"><a :href="\'/contacts/\' + props.row.id" '
        'class="text-primary text-weight-medium">{{ props.row.name }}</a>'
        '<div class="text-caption text-grey-8 ellipsis">{{ props.row.kind }} · {{ props.row.email }}</div></div>'
        f'{buttons}</q-card-section></q-card></div>',
    )

    def after_delete() -> None:
        table.rows = rows()
        table.update()

    table.on('delete', lambda e: ask_delete(services, e.args, after_delete))


def ask_delete(services: Services, contact_id: str, after: Any) -> None:
    """A contact with documents stays: deleting it would orphan invoices that were already sent."""
    folder = services.folder
    contact = folder.contacts.get(contact_id)
    if contact is None:
        return
    used = len(folder.documents.for_contact(contact.id))
    if used:
        ui.notify(
            ngettext(
                '{name} has {count} document; delete it first to delete the contact.',
                '{name} has {count} documents; delete those first to delete the contact.',
                used,
            ).format(name=contact.name, count=used),
            type='warning',
        )
        return

    def delete() -> None:
        folder.contacts.delete(contact.id)
        ui.notify(_('{name} deleted.').format(name=contact.name), type='positive')
        after()

    confirm_delete(contact.name, delete)


def language_text(contact: Contact, business_language: str) -> str:
    """The contact's document language by name; one it never chose is the business's, and says so."""
    if contact.language:
        return LANGUAGES[contact.language]
    return _("{language} (the business's language)").format(language=LANGUAGES[business_language])


def contact_view(services: Services, contact: Contact) -> None:
    folder = services.folder
    business_language = folder.business.load_or_default().language
    with ui.row().classes('w-full items-center gap-2'):
        ui.label(contact.name).classes('text-h5')
        ui.badge(contact.kind.label).props('outline')
        ui.space()
        if contact.kind is ContactKind.CUSTOMER:
            ui.button(
                _('Statement'), icon='summarize', on_click=lambda: ui.navigate.to(f'/contacts/{contact.id}/statement')
            ).props('flat')
        ui.button(_('Edit'), icon='edit', on_click=lambda: ui.navigate.to(f'/contacts/{contact.id}/edit')).props('flat')
        ui.button(
            _('Delete'),
            icon='delete',
            color='negative',
            on_click=lambda: ask_delete(services, contact.id, lambda: ui.navigate.to('/contacts')),
        ).props('flat')
    with ui.card().classes('w-full').props('flat bordered'), ui.grid(columns='auto 1fr').classes('gap-x-4 gap-y-1'):
        for label, value in (
            (_('To'), '\n'.join(contact.emails) or '—'),
            *([(_('Cc'), '\n'.join(contact.cc))] if contact.cc else []),
            *([(_(OTHER_LABEL), '\n'.join(contact.other_emails))] if contact.other_emails else []),
            (_('Billing address'), contact.billing_address or '—'),
            (_('Tax number'), contact.tax_number or '—'),
            (_(LANGUAGE_LABEL), language_text(contact, business_language)),
        ):
            ui.label(label).classes('text-grey-7')
            ui.label(value).classes('whitespace-pre-wrap')
    documents = sorted(folder.documents.for_contact(contact.id), key=lambda d: d.issue_date, reverse=True)
    ui.label(_('Documents')).classes('text-h6')
    if not documents:
        ui.label(_('No documents yet.')).classes('text-grey-7')
    with ui.list().props('bordered separator').classes('w-full'):
        for document in documents:
            with ui.item(on_click=lambda d=document: ui.navigate.to(f'/documents/{d.id}')).props('clickable'):
                with ui.item_section():
                    ui.item_label(document.title)
                    ui.item_label(document.issue_date.isoformat()).props('caption')
                with ui.item_section().props('side'):
                    ui.item_label(format_money(document.total, document.currency))


def statement_view(services: Services, customer: Contact, period_start: date, period_end: date) -> None:
    folder = services.folder
    business = folder.business.load_or_default()
    statement = folder.documents.statement(customer, period_start, period_end, business.currency)
    query = f'start={period_start.isoformat()}&end={period_end.isoformat()}'
    with ui.row().classes('w-full items-center gap-2'):
        ui.label(_('Statement for {name}').format(name=customer.name)).classes('text-h5')
        ui.space()
        action_buttons(services, statement)
        ui.button(_('Download PDF'), icon='download').props(
            f'flat href="/contacts/{customer.id}/statement.pdf?{query}&download=true"'
        )
    with ui.row().classes('items-end gap-3'):
        start = ui.input(_('From'), value=period_start.isoformat()).props('type=date stack-label')
        start.mark('statement-start')
        end = ui.input(_('To'), value=period_end.isoformat()).props('type=date stack-label').mark('statement-end')
        ui.button(
            _('Show'),
            on_click=lambda: ui.navigate.to(f'/contacts/{customer.id}/statement?start={start.value}&end={end.value}'),
        ).props('unelevated')
        ui.label(
            _('Amount due: {amount}').format(amount=format_money(statement.amount_due, statement.currency))
        ).classes('text-subtitle1 font-medium ml-4').mark('amount-due')
    title = html.escape(_('PDF preview'), quote=True)
    ui.element('iframe').props(f'src="/contacts/{customer.id}/statement.pdf?{query}" title="{title}"').classes(
        'w-full h-[80vh] border rounded'
    ).mark('pdf-preview')


class ContactEditor:
    def __init__(self, services: Services, contact: Contact, *, is_new: bool) -> None:
        self.services = services
        self.original = contact
        self.is_new = is_new
        self.name = contact.name
        self.kind = contact.kind.value
        self.emails = '\n'.join(contact.emails)
        self.cc = '\n'.join(contact.cc)
        self.other_emails = '\n'.join(contact.other_emails)
        self.billing_address = contact.billing_address
        self.tax_number = contact.tax_number
        self.business_language = services.folder.business.load_or_default().language
        self.language = document_language(services.folder.business.load_or_default(), contact)

    def build(self) -> None:
        edit = _('Edit {name}').format(name=self.original.name)
        title = _(NEW_KIND[self.original.kind]) if self.is_new else edit
        ui.label(title).classes('text-h5')
        with ui.card().classes('w-full max-w-2xl').props('flat bordered'):
            self.inputs = [
                ui.input(_('Name'), validation=lambda v: None if (v or '').strip() else _('Enter the name.'))
                .bind_value(self, 'name')
                .classes('w-full')
                .mark('name'),
                self.address_list(_(EMAILS_LABEL), 'emails'),
                self.address_list(_(CC_LABEL), 'cc'),
            ]
            if self.other_emails:
                self.inputs.append(self.address_list(_(OTHER_LABEL), 'other_emails'))
                ui.label(_(OTHER_NOTE)).classes('text-sm text-grey-8').mark('other-emails-note')
            ui.select({k.value: k.label for k in ContactKind}, label=_('Kind')).bind_value(self, 'kind').classes(
                'w-48'
            ).mark('kind')
            ui.select(dict(LANGUAGES), label=_(LANGUAGE_LABEL)).bind_value(self, 'language').classes('w-72').mark(
                'language'
            )
            ui.textarea(_('Billing address')).bind_value(self, 'billing_address').classes('w-full').props(
                'autogrow'
            ).mark('billing-address')
            ui.input(_('Tax number')).bind_value(self, 'tax_number').classes('w-64').mark('tax-number')
            with ui.row().classes('w-full justify-end gap-2'):
                back = '/contacts' if self.is_new else f'/contacts/{self.original.id}'
                ui.button(_('Cancel'), on_click=lambda: ui.navigate.to(back)).props('flat')
                ui.button(_('Save'), icon='save', on_click=self.save).props('unelevated').mark('save')

    def address_list(self, label: str, name: str) -> ui.textarea:
        """Checked by the one address rule as it is typed, with its warnings (internal domains) beneath."""
        field = (
            ui.textarea(label, validation=lambda v: addresses.list_problem(v or ''))
            .bind_value(self, name)
            .classes('w-full')
            .props('autogrow')
            .mark(name)
        )
        note = ui.label(addresses.list_warning(getattr(self, name))).classes('text-sm text-orange-9')
        note.mark(f'{name}-note')
        field.on_value_change(lambda e: note.set_text(addresses.list_warning(e.value or '')))
        return field

    def contact(self) -> Contact:
        return Contact(
            id=self.original.id,
            kind=ContactKind(self.kind),
            name=(self.name or '').strip(),
            emails=tuple(addresses.split_list(self.emails or '')),
            billing_address=(self.billing_address or '').strip(),
            tax_number=(self.tax_number or '').strip(),
            cc=tuple(addresses.split_list(self.cc or '')),
            other_emails=tuple(addresses.split_list(self.other_emails or '')),
            language=self.chosen_language(),
        )

    def chosen_language(self) -> str | None:
        """A contact that never chose keeps following the business's language until a different one is picked."""
        if self.original.language is None and self.language == self.business_language:
            return None
        return self.language

    def save(self) -> None:
        fields_ok = all([i.validate() for i in self.inputs])
        contact = self.contact()
        folder = self.services.folder
        errors = validate_contact(contact)
        if contact.kind is not self.original.kind and folder.documents.for_contact(contact.id):
            errors['kind'] = _('This contact already has documents of its kind; create a new contact instead.')
        if not fields_ok or errors:
            labels = {'emails': EMAILS_LABEL, 'cc': CC_LABEL, 'other_emails': OTHER_LABEL}
            wrong = next((name for name in labels if name in errors), None)
            named = f'{_(labels[wrong])}: {errors[wrong]}' if wrong else _('Correct the fields marked in red.')
            ui.notify(errors.get('kind', _('Not saved. {reason}').format(reason=named)), type='negative')
            return
        folder.contacts.save(contact)
        ui.notify(_('{name} saved.').format(name=contact.name), type='positive')
        ui.navigate.to(f'/contacts/{contact.id}')
