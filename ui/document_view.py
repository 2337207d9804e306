"""One document: its facts and totals, its emails, the actions, and the PDF beside them."""

from __future__ import annotations

from nicegui import ui

from core.documents import Document, DocumentType, format_money
from core.i18n import _, pgettext
from ui.components import (
    CONTACT_KIND_LABELS,
    confirm_delete,
    document_history,
    local_time,
    partly_sent_badge,
    shown_date,
    shown_title,
)
from ui.document_actions import action_buttons
from ui.services import Services


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
            ui.label(shown_title(document)).classes('text-h5')
            if document.sent_at:
                ui.badge(_('Sent {time}').format(time=local_time(document.sent_at)), color='positive').props('outline')
            else:
                partly_sent_badge(self.services, document.id)
            ui.space()
            action_buttons(self.services, document)
            ui.button(_('Download PDF'), icon='download').props(
                f'flat href="/documents/{document.id}/pdf?download=true"'
            )
            ui.button(_('Edit'), icon='edit', on_click=lambda: ui.navigate.to(f'/documents/{document.id}/edit')).props(
                'flat'
            )
            ui.button(_('Delete'), icon='delete', color='negative', on_click=self.ask_delete).props('flat')
        with ui.row().classes('w-full gap-6 no-wrap max-lg:flex-wrap items-start'):
            with ui.card().classes('w-full lg:w-96 shrink-0').props('flat bordered'):
                facts = [
                    (_('Reference'), document.reference),
                    (
                        _(CONTACT_KIND_LABELS[document.type.contact_kind]),
                        contact.name if contact else _('(deleted contact)'),
                    ),
                    (pgettext('field', 'Email'), contact.primary_email or '—' if contact else '—'),
                    (_('Issue date'), shown_date(document.issue_date)),
                ]
                if document.type.second_date_label and document.second_date:
                    facts.append((_(document.type.second_date_label), shown_date(document.second_date)))
                facts += [
                    (_('Subtotal'), format_money(totals.subtotal, document.currency)),
                    (_('Tax'), format_money(totals.tax, document.currency)),
                    (_('Total'), format_money(totals.total, document.currency)),
                ]
                if document.type is DocumentType.SALES_INVOICE:
                    facts.append((_('Paid'), paid_fact(document)))
                with ui.grid(columns='auto 1fr').classes('gap-x-4 gap-y-1'):
                    for label, value in facts:
                        ui.label(label).classes('text-grey-7')
                        ui.label(value).classes('font-medium')
                if document.notes:
                    ui.separator()
                    ui.label(document.notes).classes('whitespace-pre-wrap text-grey-8')
                ui.separator()
                document_history(self.services, document.id)
            preview = _('PDF preview')
            ui.element('iframe').props(f'src="/documents/{document.id}/pdf" title="{preview}"').classes(
                'grow w-full lg:min-w-96 h-[80vh] border rounded'
            ).mark('pdf-preview')

    def ask_delete(self) -> None:
        def delete() -> None:
            self.services.folder.documents.delete(self.document.id)
            ui.notify(_('{title} deleted.').format(title=shown_title(self.document)), type='positive')
            ui.navigate.to('/documents')

        confirm_delete(shown_title(self.document), delete)


def paid_fact(invoice: Document) -> str:
    if not invoice.paid_amount:
        return _('Not yet')
    paid, day = format_money(invoice.paid_amount, invoice.currency), shown_date(invoice.paid_on)
    open_amount = format_money(invoice.unpaid, invoice.currency)
    if invoice.unpaid and invoice.paid_on:
        return _('{paid} on {day} ({open} still open)').format(paid=paid, day=day, open=open_amount)
    if invoice.unpaid:
        return _('{paid} ({open} still open)').format(paid=paid, open=open_amount)
    return _('In full on {day}').format(day=day) if invoice.paid_on else _('In full')
