"""Documents: a server-side paged list, a view with the PDF beside it, and the create/edit form."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Response
from nicegui import app, ui

from core.documents import ContactKind, Document, DocumentType, Line, Statement, format_money, new_id, validate_document
from core.documents.money import format_quantity, parse_decimal
from core.documents.validation import quantity_error, reference_error, tax_rate_error, unit_price_error
from ui.document_actions import document_actions
from ui.emails_page import document_history, partly_sent_badge
from ui.layout import frame
from ui.services import Services

DEFAULT_TERMS = {
    DocumentType.SALES_QUOTE: 30,
    DocumentType.SALES_INVOICE: 14,
    DocumentType.PURCHASE_ORDER: 7,
}
ROWS_PER_PAGE = 25
DEFAULT_TAX_RATE = '24'


def pdf_response(pdf: bytes, filename: str, *, download: bool) -> Response:
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


async def run_action(services: Services, key: str, document: Document | Statement) -> None:
    for action in document_actions(services):
        if action.key == key:
            result = action.run(services, document)
            if inspect.isawaitable(result):
                await result


def action_buttons(services: Services, document: Document | Statement) -> None:
    """The buttons other features register in ui/document_actions.py (the Email button)."""
    for action in document_actions(services):
        ui.button(
            action.label,
            icon=action.icon,
            on_click=lambda action=action: run_action(services, action.key, document),
        ).props('unelevated').mark(f'action-{action.key}')


def confirm_delete(title: str, on_confirm: Any) -> None:
    """Nothing is deleted without a second, explicit click."""
    with ui.dialog() as dialog, ui.card():
        ui.label(f'Delete {title}?').classes('text-h6')
        ui.label('This cannot be undone.').classes('text-grey-8')
        with ui.row().classes('w-full justify-end'):
            ui.button('Cancel', on_click=dialog.close).props('flat')

            async def confirmed() -> None:
                dialog.close()
                result = on_confirm()
                if inspect.isawaitable(result):
                    await result

            ui.button('Delete', color='negative', on_click=confirmed).props('unelevated').mark('confirm-delete')
    dialog.open()


def register(services: Services) -> None:
    folder = services.folder

    def document_pdf(document_id: str, download: bool = False) -> Response:
        from core.pdf import pdf_filename, render  # Typst loads with the first PDF, not with the app

        document = folder.documents.get(document_id)
        contact = folder.contacts.get(document.contact_id) if document else None
        if document is None or contact is None:
            raise HTTPException(status_code=404, detail='No such document.')
        pdf = render(document, folder.business.load_or_default(), contact)
        return pdf_response(pdf, pdf_filename(document), download=download)

    app.add_api_route('/documents/{document_id}/pdf', document_pdf, methods=['GET'])

    @ui.page('/documents')
    def documents_page() -> None:
        with frame('Documents'):
            DocumentList(services).build()

    @ui.page('/documents/new/{kind}')
    def new_document_page(kind: str) -> None:
        with frame('New document'):
            try:
                document_type = DocumentType(kind.replace('-', '_'))
            except ValueError:
                ui.label(f'There is no document type called "{kind}".')
                return
            DocumentEditor(services, blank_document(services, document_type), is_new=True).build()

    @ui.page('/documents/{document_id}')
    def document_page(document_id: str) -> None:
        with frame('Document'):
            document = folder.documents.get(document_id)
            if document is None:
                missing()
                return
            DocumentView(services, document).build()

    @ui.page('/documents/{document_id}/edit')
    def edit_document_page(document_id: str) -> None:
        with frame('Edit document'):
            document = folder.documents.get(document_id)
            if document is None:
                missing()
                return
            DocumentEditor(services, document, is_new=False).build()


def missing() -> None:
    ui.label('This document does not exist (it may have been deleted).')
    ui.link('Back to documents', '/documents')


def blank_document(services: Services, document_type: DocumentType) -> Document:
    today = date.today()
    term = DEFAULT_TERMS.get(document_type)
    return Document(
        id=new_id(),
        type=document_type,
        reference=services.folder.documents.next_reference(document_type),
        contact_id='',
        issue_date=today,
        second_date=today + timedelta(days=term) if term is not None else None,
        lines=(),
        currency=services.folder.business.load_or_default().currency,
    )


class DocumentList:
    """Filtering, sorting and paging happen in the repository, so only one page of rows crosses the wire."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.search = ''
        self.type_filter: str = ''
        self.pagination: dict[str, Any] = {
            'page': 1,
            'rowsPerPage': ROWS_PER_PAGE,
            'sortBy': 'issue_date',
            'descending': True,
            'rowsNumber': 0,
        }

    def build(self) -> None:
        with ui.row().classes('w-full items-center gap-3'):
            ui.input(placeholder='Search reference, contact or notes', on_change=self.on_search).props(
                'clearable dense outlined debounce=250'
            ).classes('w-80').mark('document-search')
            type_options = {'': 'All types', **{t.value: t.label for t in DocumentType}}
            ui.select(type_options, value='', on_change=self.on_type).props('dense outlined').classes('w-48').mark(
                'document-type-filter'
            )
            ui.space()
            with ui.button('New', icon='add').props('unelevated'), ui.menu():
                for document_type in DocumentType:
                    ui.menu_item(
                        document_type.label,
                        on_click=lambda t=document_type: ui.navigate.to(f'/documents/new/{t.slug}'),
                    )
                ui.separator()
                ui.menu_item('Customer statement…', on_click=self.choose_statement_customer).mark('statement-menu')
        columns: list[dict[str, Any]] = [
            {'name': 'issue_date', 'label': 'Date', 'field': 'issue_date', 'sortable': True, 'align': 'left'},
            {'name': 'reference', 'label': 'Reference', 'field': 'reference', 'sortable': True, 'align': 'left'},
            {'name': 'type', 'label': 'Type', 'field': 'type', 'sortable': True, 'align': 'left'},
            {'name': 'contact', 'label': 'Customer / supplier', 'field': 'contact', 'align': 'left'},
            {'name': 'total', 'label': 'Total', 'field': 'total', 'sortable': True, 'align': 'right'},
            {'name': 'sent', 'label': 'Sent', 'field': 'sent', 'align': 'left'},
            {'name': 'actions', 'label': '', 'field': 'id', 'align': 'right'},
        ]
        self.table = ui.table(columns=columns, rows=[], row_key='id', pagination=self.pagination).classes('w-full')
        self.table.mark('documents-table')
        self.table.props('flat bordered :rows-per-page-options="[10, 25, 50, 100]"')
        self.table.add_slot(
            'body-cell-reference',
            '<q-td :props="props"><a :href="\'/documents/\' + props.row.id" class="text-primary font-medium">'
            '{{ props.value }}</a></q-td>',
        )
        action_buttons = ''.join(
            f'<q-btn flat dense round color="primary" icon="{a.icon}" @click="$parent.$emit(\'action\', '
            f"{{key: '{a.key}', id: props.row.id}})\"><q-tooltip>{a.label}</q-tooltip></q-btn>"
            for a in document_actions(self.services)
        )
        self.table.add_slot(
            'body-cell-actions',
            '<q-td :props="props" class="whitespace-nowrap">'
            f'{action_buttons}'
            '<q-btn flat dense round color="grey-8" icon="picture_as_pdf" '
            ':href="\'/documents/\' + props.row.id + \'/pdf\'" target="_blank"><q-tooltip>Open PDF</q-tooltip></q-btn>'
            '<q-btn flat dense round color="grey-8" icon="edit" :href="\'/documents/\' + props.row.id + \'/edit\'">'
            '<q-tooltip>Edit</q-tooltip></q-btn>'
            '<q-btn flat dense round icon="delete" color="negative" '
            '@click="$parent.$emit(\'delete\', props.row.id)"><q-tooltip>Delete</q-tooltip></q-btn>'
            '</q-td>',
        )
        self.table.on('request', self.on_request)
        self.table.on('delete', lambda e: self.ask_delete(e.args))
        self.table.on('action', self.on_action)
        self.load()

    def choose_statement_customer(self) -> None:
        """Statements are reports, not stored documents: pick the customer, the statement page does the rest."""
        customers = {c.id: c.name for c in self.services.folder.contacts.all(ContactKind.CUSTOMER)}
        with ui.dialog() as dialog, ui.card().classes('w-96'):
            ui.label('Customer statement').classes('text-h6')
            choice = ui.select(customers, label='Customer', with_input=True).classes('w-full')
            choice.mark('statement-customer')

            def show() -> None:
                if choice.value:
                    ui.navigate.to(f'/contacts/{choice.value}/statement')

            with ui.row().classes('w-full justify-end'):
                ui.button('Cancel', on_click=dialog.close).props('flat')
                ui.button('Show', on_click=show).props('unelevated').mark('show-statement')
        dialog.open()

    def load(self) -> None:
        folder = self.services.folder
        names = {c.id: c.name for c in folder.contacts.all()}
        per_page = int(self.pagination.get('rowsPerPage') or ROWS_PER_PAGE) or 10**9  # 0 means "All" in Quasar
        page = max(1, int(self.pagination.get('page') or 1))
        result = folder.documents.page(
            search=self.search,
            document_type=DocumentType(self.type_filter) if self.type_filter else None,
            contact_names=names,
            sort=self.pagination.get('sortBy') or 'issue_date',
            descending=bool(self.pagination.get('descending')),
            offset=(page - 1) * per_page,
            limit=per_page,
        )
        self.pagination = {**self.pagination, 'rowsNumber': result.total, 'page': page}
        self.table.rows = [
            {
                'id': d.id,
                'issue_date': d.issue_date.isoformat(),
                'reference': d.reference,
                'type': d.type.label,
                'contact': names.get(d.contact_id, '(deleted contact)'),
                'total': format_money(d.total, d.currency),
                'sent': d.sent_at.date().isoformat() if d.sent_at else '',
            }
            for d in result.rows
        ]
        self.table.pagination = self.pagination
        self.table.update()

    def on_request(self, event: Any) -> None:
        self.pagination = {**self.pagination, **event.args['pagination']}
        self.load()

    def on_search(self, event: Any) -> None:
        self.search = event.value or ''
        self.pagination['page'] = 1
        self.load()

    def on_type(self, event: Any) -> None:
        self.type_filter = event.value or ''
        self.pagination['page'] = 1
        self.load()

    async def on_action(self, event: Any) -> None:
        document = self.services.folder.documents.get(event.args['id'])
        if document is not None:
            await run_action(self.services, event.args['key'], document)

    def ask_delete(self, document_id: str) -> None:
        document = self.services.folder.documents.get(document_id)
        if document is None:
            return

        def delete() -> None:
            self.services.folder.documents.delete(document.id)
            ui.notify(f'{document.title} deleted.', type='positive')
            self.load()

        confirm_delete(document.title, delete)


class DocumentView:
    def __init__(self, services: Services, document: Document) -> None:
        self.services = services
        self.document = document

    def build(self) -> None:
        folder = self.services.folder
        document = self.document
        contact = folder.contacts.get(document.contact_id)
        totals = document.totals()
        with ui.row().classes('w-full items-center gap-2'):
            ui.label(document.title).classes('text-h5')
            if document.sent_at:
                ui.badge(f'Sent {document.sent_at:%d %b %Y %H:%M}', color='positive').props('outline')
            else:
                partly_sent_badge(self.services, document.id)
            ui.space()
            action_buttons(self.services, document)
            ui.button('Download PDF', icon='download').props(f'flat href="/documents/{document.id}/pdf?download=true"')
            ui.button('Edit', icon='edit', on_click=lambda: ui.navigate.to(f'/documents/{document.id}/edit')).props(
                'flat'
            )
            ui.button('Delete', icon='delete', color='negative', on_click=self.ask_delete).props('flat')
        with ui.row().classes('w-full gap-6 no-wrap max-lg:flex-wrap items-start'):
            with ui.card().classes('w-96 shrink-0').props('flat bordered'):
                facts = [
                    ('Reference', document.reference),
                    (document.type.contact_kind.value.title(), contact.name if contact else '(deleted contact)'),
                    ('Email', contact.primary_email or '—' if contact else '—'),
                    ('Issue date', document.issue_date.isoformat()),
                ]
                if document.type.second_date_label and document.second_date:
                    facts.append((document.type.second_date_label, document.second_date.isoformat()))
                facts += [
                    ('Subtotal', format_money(totals.subtotal, document.currency)),
                    ('Tax', format_money(totals.tax, document.currency)),
                    ('Total', format_money(totals.total, document.currency)),
                ]
                with ui.grid(columns='auto 1fr').classes('gap-x-4 gap-y-1'):
                    for label, value in facts:
                        ui.label(label).classes('text-grey-7')
                        ui.label(value).classes('font-medium')
                if document.notes:
                    ui.separator()
                    ui.label(document.notes).classes('whitespace-pre-wrap text-grey-8')
                ui.separator()
                document_history(self.services, document.id)
            ui.element('iframe').props(f'src="/documents/{document.id}/pdf" title="PDF preview"').classes(
                'grow min-w-96 w-full h-[80vh] border rounded'
            ).mark('pdf-preview')

    def ask_delete(self) -> None:
        def delete() -> None:
            self.services.folder.documents.delete(self.document.id)
            ui.notify(f'{self.document.title} deleted.', type='positive')
            ui.navigate.to('/documents')

        confirm_delete(self.document.title, delete)


@dataclass
class LineState:
    """One editable line, as the person typed it; parsed to Decimal only when saving."""

    description: str = ''
    quantity: str = '1'
    unit_price: str = ''
    tax_rate: str = DEFAULT_TAX_RATE
    key: str = field(default_factory=new_id)

    @classmethod
    def from_line(cls, line: Line) -> LineState:
        return cls(
            line.description, format_quantity(line.quantity), f'{line.unit_price:f}', format_quantity(line.tax_rate)
        )

    def to_line(self) -> Line:
        return Line(
            (self.description or '').strip(),
            parse_decimal(self.quantity or ''),
            parse_decimal(self.unit_price or ''),
            parse_decimal(self.tax_rate or ''),
        )

    def parses(self) -> bool:
        """A cleared input holds None, not ''."""
        quantity, price, rate = self.quantity or '', self.unit_price or '', self.tax_rate or ''
        return not (quantity_error(quantity) or unit_price_error(price) or tax_rate_error(rate))


class DocumentEditor:
    """Create and edit share one form; every field checks itself as the person types."""

    def __init__(self, services: Services, document: Document, *, is_new: bool) -> None:
        self.services = services
        self.original = document
        self.is_new = is_new
        self.reference = document.reference
        self.contact_id = document.contact_id or None
        self.issue_date = document.issue_date.isoformat()
        self.second_date = document.second_date.isoformat() if document.second_date else ''
        self.notes = document.notes
        self.lines = [LineState.from_line(line) for line in document.lines] or [LineState()]
        self.inputs: list[ui.input | ui.select] = []

    def build(self) -> None:
        document_type = self.original.type
        folder = self.services.folder
        kind = document_type.contact_kind
        verb = 'New' if self.is_new else 'Edit'
        ui.label(f'{verb} {document_type.label.lower()}').classes('text-h5')
        with ui.card().classes('w-full').props('flat bordered'):
            with ui.row().classes('w-full gap-4 items-start'):
                taken = folder.documents.references(document_type, excluding_id=self.original.id)
                self.inputs.append(
                    ui.input('Reference', validation=lambda v: reference_error(v or '', taken))
                    .bind_value(self, 'reference')
                    .classes('w-48')
                    .mark('reference')
                )
                contacts = {c.id: c.name for c in folder.contacts.all(kind)}
                self.inputs.append(
                    ui.select(
                        contacts,
                        label=kind.value.title(),
                        with_input=True,
                        validation=lambda v: None if v else f'Choose the {kind.value}.',
                    )
                    .bind_value(self, 'contact_id')
                    .classes('w-80')
                    .mark('contact')
                )
                self.inputs.append(
                    ui.input('Issue date', validation=lambda v: None if _parse_date(v) else 'Enter a date.')
                    .props('type=date stack-label')
                    .bind_value(self, 'issue_date')
                    .classes('w-44')
                    .mark('issue-date')
                )
                if document_type.second_date_label:
                    self.inputs.append(
                        ui.input(document_type.second_date_label, validation=self.second_date_error)
                        .props('type=date stack-label clearable')
                        .bind_value(self, 'second_date')
                        .classes('w-44')
                        .mark('second-date')
                    )
            ui.label('Lines').classes('text-subtitle1 font-medium mt-2')
            self.lines_view()
            with ui.row().classes('w-full items-start'):
                ui.textarea('Notes (printed on the document)').bind_value(self, 'notes').classes('w-1/2').props(
                    'autogrow'
                ).mark('notes')
                ui.space()
                self.totals_view()
            with ui.row().classes('w-full justify-end gap-2'):
                back = '/documents' if self.is_new else f'/documents/{self.original.id}'
                ui.button('Cancel', on_click=lambda: ui.navigate.to(back)).props('flat')
                ui.button('Save', icon='save', on_click=self.save).props('unelevated').mark('save')

    def second_date_error(self, value: str | None) -> str | None:
        if not value:
            return None
        second, issued = _parse_date(value), _parse_date(self.issue_date)
        if second is None:
            return 'Enter a date.'
        if issued and second < issued:
            return f'The {(self.original.type.second_date_label or "date").lower()} cannot be before the issue date.'
        return None

    @ui.refreshable_method
    def lines_view(self) -> None:
        with ui.column().classes('w-full gap-1'):
            for index, line in enumerate(self.lines):
                with ui.row().classes('w-full gap-2 items-start no-wrap'):
                    self.inputs.append(
                        ui.input(
                            'Description', validation=lambda v: None if (v or '').strip() else 'Describe this line.'
                        )
                        .bind_value(line, 'description')
                        .classes('grow')
                        .mark(f'line-{index}-description')
                    )
                    amount = ui.label(self.line_amount(line)).classes('w-28 text-right pt-5 tabular-nums')
                    checks: tuple[tuple[str, str, Callable[[str], str | None], str], ...] = (
                        ('quantity', 'Qty', quantity_error, 'w-20'),
                        ('unit_price', 'Unit price', unit_price_error, 'w-32'),
                        ('tax_rate', 'Tax %', tax_rate_error, 'w-20'),
                    )
                    for name, label, check, width in checks:
                        self.inputs.append(
                            ui.input(label, validation=_field_check(check))
                            .bind_value(line, name)
                            .on_value_change(lambda _, line=line, amount=amount: self.amounts_changed(line, amount))
                            .props('input-class=text-right')
                            .classes(width)
                            .mark(f'line-{index}-{name}')
                        )
                    amount.move(target_index=-1)
                    ui.button(icon='close', on_click=lambda line=line: self.remove_line(line)).props(
                        'flat round dense'
                    ).classes('mt-3').tooltip('Remove line')
            ui.button('Add line', icon='add', on_click=self.add_line).props('flat').mark('add-line')

    def amounts_changed(self, line: LineState, amount: ui.label) -> None:
        amount.text = self.line_amount(line)
        self.totals_view.refresh()

    def line_amount(self, line: LineState) -> str:
        return format_money(line.to_line().net(self.original.currency), self.original.currency) if line.parses() else ''

    @ui.refreshable_method
    def totals_view(self) -> None:
        currency = self.original.currency
        totals = self.draft().totals()
        with ui.grid(columns='auto auto').classes('gap-x-8 gap-y-1 text-right tabular-nums min-w-64'):
            ui.label('Subtotal').classes('text-grey-7')
            ui.label(format_money(totals.subtotal, currency))
            for tax in totals.taxes:
                ui.label(f'Tax {format_quantity(tax.rate)}%').classes('text-grey-7')
                ui.label(format_money(tax.tax, currency))
            ui.label('Total').classes('font-bold')
            ui.label(format_money(totals.total, currency)).classes('font-bold').mark('total')

    def draft(self) -> Document:
        """The document as typed so far; lines that do not parse yet count as nothing."""
        issued = _parse_date(self.issue_date) or self.original.issue_date
        return Document(
            id=self.original.id,
            type=self.original.type,
            reference=(self.reference or '').strip(),
            contact_id=self.contact_id or '',
            issue_date=issued,
            second_date=_parse_date(self.second_date) if self.original.type.second_date_label else None,
            lines=tuple(line.to_line() for line in self.lines if line.parses()),
            notes=self.notes or '',
            currency=self.original.currency,
            sent_at=self.original.sent_at,
        )

    def add_line(self) -> None:
        self.lines.append(LineState())
        self.inputs = [i for i in self.inputs if not i.is_deleted]
        self.lines_view.refresh()

    def remove_line(self, line: LineState) -> None:
        self.lines.remove(line)
        self.lines_view.refresh()
        self.totals_view.refresh()

    def save(self) -> None:
        self.inputs = [i for i in self.inputs if not i.is_deleted]
        fields_ok = all([i.validate() for i in self.inputs])
        folder = self.services.folder
        document = self.draft()
        errors = validate_document(
            document,
            taken_references=folder.documents.references(document.type, excluding_id=document.id),
            contacts=folder.contacts.by_id(),
        )
        if not fields_ok or errors or len(document.lines) != len(self.lines):
            message = 'Please correct the highlighted fields.' if not fields_ok else errors.get('lines', '')
            message = message or 'Please correct the highlighted fields.'
            ui.notify(message, type='negative')
            return
        folder.documents.save(document)
        ui.notify(f'{document.title} saved.', type='positive')
        ui.navigate.to(f'/documents/{document.id}')


def _field_check(check: Callable[[str], str | None]) -> Callable[[str | None], str | None]:
    return lambda value: check(value or '')


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
