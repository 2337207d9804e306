"""Create and edit a transaction: one form, every field checked as it is typed, totals as they will print."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from nicegui import ui

from core.documents import ContactKind, Document, DocumentType, Line, format_money, new_id, validate_document
from core.documents.defaults import DEFAULT_TAX_RATE, parse_date, second_date_problem
from core.documents.money import ZERO, format_quantity, parse_decimal
from core.documents.validation import (
    payment_problems,
    quantity_error,
    reference_error,
    tax_rate_error,
    unit_price_error,
)
from core.i18n import N_, _
from ui.components import CONTACT_KIND_LABELS, icon_button, shown_title
from ui.services import Services

HEADINGS: dict[DocumentType, tuple[str, str]] = {
    DocumentType.SALES_QUOTE: (N_('New sales quote'), N_('Edit sales quote')),
    DocumentType.SALES_INVOICE: (N_('New sales invoice'), N_('Edit sales invoice')),
    DocumentType.CREDIT_NOTE: (N_('New credit note'), N_('Edit credit note')),
    DocumentType.PURCHASE_ORDER: (N_('New purchase order'), N_('Edit purchase order')),
}
"""Each its own sentence: in Icelandic "new" takes the gender of the kind of document."""


@dataclass
class LineState:
    """One editable line, as the person typed it; parsed to Decimal only when saving."""

    description: str = ''
    quantity: str = '1'
    unit_price: str = ''
    tax_rate: str = format_quantity(DEFAULT_TAX_RATE)
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
        self.paid_on = document.paid_on.isoformat() if document.paid_on else ''
        self.paid_amount = f'{document.paid_amount:f}' if document.paid_amount else ''
        self.lines = [LineState.from_line(line) for line in document.lines] or [LineState()]
        self.inputs: list[ui.input | ui.select] = []

    def build(self) -> None:
        document_type = self.original.type
        folder = self.services.folder
        kind = document_type.contact_kind
        ui.label(_(HEADINGS[document_type][0 if self.is_new else 1])).classes('text-h5')
        with ui.card().classes('w-full').props('flat bordered'):
            with ui.row().classes('w-full gap-4 items-start'):
                taken = folder.documents.references(document_type, excluding_id=self.original.id)
                self.inputs.append(
                    ui.input(_('Reference'), validation=lambda v: reference_error(v or '', taken))
                    .bind_value(self, 'reference')
                    .classes('w-48')
                    .mark('reference')
                )
                contacts = {c.id: c.name for c in folder.contacts.all(kind)}
                choose_contact = (
                    _('Choose the customer.') if kind is ContactKind.CUSTOMER else _('Choose the supplier.')
                )
                self.inputs.append(
                    ui.select(
                        contacts,
                        label=_(CONTACT_KIND_LABELS[kind]),
                        with_input=True,
                        validation=lambda v: None if v else choose_contact,
                    )
                    .bind_value(self, 'contact_id')
                    .classes('w-80')
                    .mark('contact')
                )
                self.inputs.append(
                    ui.input(_('Issue date'), validation=lambda v: None if parse_date(v) else _('Enter a date.'))
                    .props('type=date stack-label')
                    .bind_value(self, 'issue_date')
                    .classes('w-44')
                    .mark('issue-date')
                )
                if document_type.second_date_label:
                    self.inputs.append(
                        ui.input(_(document_type.second_date_label), validation=self.second_date_error)
                        .props('type=date stack-label clearable')
                        .bind_value(self, 'second_date')
                        .classes('w-44')
                        .mark('second-date')
                    )
            if document_type is DocumentType.SALES_INVOICE:
                self.payment_inputs()
            ui.label(_('Lines')).classes('text-subtitle1 font-medium mt-2')
            self.lines_view()
            with ui.row().classes('w-full items-start'):
                ui.textarea(_('Notes (printed on the document)')).bind_value(self, 'notes').classes('w-1/2').props(
                    'autogrow'
                ).mark('notes')
                ui.space()
                self.totals_view()
            with ui.row().classes('w-full justify-end gap-2'):
                back = '/documents' if self.is_new else f'/documents/{self.original.id}'
                ui.button(_('Cancel'), on_click=lambda: ui.navigate.to(back)).props('flat')
                ui.button(_('Save'), icon='save', on_click=self.save).props('unelevated').mark('save')

    def payment_inputs(self) -> None:
        """Paid on and how much: reminders stop once nothing is left to pay."""
        blank_means_full = _('Blank with a date: paid in full')
        with ui.row().classes('w-full gap-4 items-start'):
            self.inputs.append(
                ui.input(_('Paid on'), validation=self.paid_on_error)
                .props('type=date stack-label clearable')
                .bind_value(self, 'paid_on')
                .classes('w-44')
                .mark('paid-on')
            )
            self.inputs.append(
                ui.input(_('Amount paid'), validation=self.paid_amount_error)
                .props('input-class=text-right')
                .props(f'hint="{blank_means_full}"')
                .bind_value(self, 'paid_amount')
                .classes('w-56')
                .mark('paid-amount')
            )

    def paid_on_error(self, value: str | None) -> str | None:
        paid_on = parse_date(value)
        if value and paid_on is None:
            return _('Enter a date.')
        return payment_problems(replace(self.draft(), paid_on=paid_on)).get('paid_on')

    def paid_amount_error(self, value: str | None) -> str | None:
        """Checked against the value being typed: the bound attribute may not have it yet."""
        text = (value or '').strip()
        if text and (problem := unit_price_error(text)):
            return problem
        document = self.draft()
        if text:
            document = replace(document, paid_amount=parse_decimal(text))
        return payment_problems(document).get('paid_amount')

    def paid(self) -> tuple[date | None, Decimal]:
        """As typed; an amount left blank with a date means the whole total was paid."""
        paid_on = parse_date(self.paid_on) if self.original.type is DocumentType.SALES_INVOICE else None
        text = (self.paid_amount or '').strip()
        if text and not unit_price_error(text):
            return paid_on, parse_decimal(text)
        return paid_on, ZERO

    def second_date_error(self, value: str | None) -> str | None:
        if not value:
            return None
        second = parse_date(value)
        if second is None:
            return _('Enter a date.')
        return second_date_problem(self.original.type, parse_date(self.issue_date), second)

    @ui.refreshable_method
    def lines_view(self) -> None:
        with ui.column().classes('w-full gap-1'):
            for index, line in enumerate(self.lines):
                with ui.row().classes('w-full gap-2 items-start no-wrap'):
                    self.inputs.append(
                        ui.input(
                            _('Description'),
                            validation=lambda v: None if (v or '').strip() else _('Describe this line.'),
                        )
                        .bind_value(line, 'description')
                        .classes('grow')
                        .mark(f'line-{index}-description')
                    )
                    amount = ui.label(self.line_amount(line)).classes('w-28 text-right pt-5 tabular-nums')
                    checks: tuple[tuple[str, str, Callable[[str], str | None], str], ...] = (
                        ('quantity', _('Qty'), quantity_error, 'w-20'),
                        ('unit_price', _('Unit price'), unit_price_error, 'w-32'),
                        ('tax_rate', _('Tax %'), tax_rate_error, 'w-20'),
                    )
                    for name, label, check, width in checks:
                        self.inputs.append(
                            ui.input(label, validation=_field_check(check))
                            .bind_value(line, name)
                            .on_value_change(
                                lambda _event, line=line, amount=amount: self.amounts_changed(line, amount)
                            )
                            .props('input-class=text-right')
                            .classes(width)
                            .mark(f'line-{index}-{name}')
                        )
                    amount.move(target_index=-1)
                    icon_button('close', _('Remove line'), lambda line=line: self.remove_line(line)).props(
                        'flat round dense'
                    ).classes('mt-3')
            ui.button(_('Add line'), icon='add', on_click=self.add_line).props('flat').mark('add-line')

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
            ui.label(_('Subtotal')).classes('text-grey-7')
            ui.label(format_money(totals.subtotal, currency))
            for tax in totals.taxes:
                ui.label(_('Tax {rate}%').format(rate=format_quantity(tax.rate))).classes('text-grey-7')
                ui.label(format_money(tax.tax, currency))
            ui.label(_('Total')).classes('font-bold')
            ui.label(format_money(totals.total, currency)).classes('font-bold').mark('total')

    def draft(self) -> Document:
        """The document as typed so far; lines that do not parse yet count as nothing."""
        issued = parse_date(self.issue_date) or self.original.issue_date
        paid_on, paid_amount = self.paid()
        document = Document(
            id=self.original.id,
            type=self.original.type,
            reference=(self.reference or '').strip(),
            contact_id=self.contact_id or '',
            issue_date=issued,
            second_date=parse_date(self.second_date) if self.original.type.second_date_label else None,
            lines=tuple(line.to_line() for line in self.lines if line.parses()),
            notes=self.notes or '',
            currency=self.original.currency,
            sent_at=self.original.sent_at,
            paid_on=paid_on,
            paid_amount=paid_amount,
        )
        if paid_on and not (self.paid_amount or '').strip():
            document = replace(document, paid_amount=document.total)
        return document

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
            message = _('Please correct the highlighted fields.') if not fields_ok else errors.get('lines', '')
            message = message or _('Please correct the highlighted fields.')
            ui.notify(message, type='negative')
            return
        folder.documents.save(document)
        self.services.reminders.changed()  # a payment stops reminders, and withdraws one still queued, at once
        ui.notify(_('{title} saved.').format(title=shown_title(document)), type='positive')
        ui.navigate.to(f'/documents/{document.id}')


def _field_check(check: Callable[[str], str | None]) -> Callable[[str | None], str | None]:
    return lambda value: check(value or '')
