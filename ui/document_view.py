"""One document: its facts and totals, its emails, the actions, and the PDF beside them."""

from __future__ import annotations

from nicegui import ui

from core.documents import Document, DocumentType, format_money
from ui.components import confirm_delete, document_history, partly_sent_badge
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
                if document.type is DocumentType.SALES_INVOICE:
                    facts.append(('Paid', paid_fact(document)))
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


def paid_fact(invoice: Document) -> str:
    if not invoice.paid_amount:
        return 'Not yet'
    when = f' on {invoice.paid_on.isoformat()}' if invoice.paid_on else ''
    paid = format_money(invoice.paid_amount, invoice.currency)
    if invoice.unpaid:
        return f'{paid}{when} ({format_money(invoice.unpaid, invoice.currency)} still open)'
    return f'In full{when}'
