"""The documents routes: the list, one document, the create and edit form, and each document's PDF."""

from __future__ import annotations

from datetime import date

from fastapi import HTTPException, Response
from nicegui import app, ui

from core.documents import DocumentType
from core.documents.defaults import blank_document
from core.i18n import _
from ui.components import pdf_response
from ui.document_editor import DocumentEditor
from ui.document_list import DocumentList
from ui.document_view import DocumentView
from ui.language import page
from ui.layout import frame
from ui.services import Services


def register(services: Services) -> None:
    folder = services.folder

    def document_pdf(document_id: str, download: bool = False) -> Response:
        from core.pdf import pdf_filename, render  # Typst loads with the first PDF, not with the app

        document = folder.documents.get(document_id)
        contact = folder.contacts.get(document.contact_id) if document else None
        if document is None or contact is None:
            raise HTTPException(status_code=404, detail=_('No such document.'))
        pdf = render(document, folder.business.load_or_default(), contact)
        return pdf_response(pdf, pdf_filename(document), download=download)

    app.add_api_route('/documents/{document_id}/pdf', document_pdf, methods=['GET'])

    @page('/documents')
    def documents_page() -> None:
        with frame(_('Documents')):
            DocumentList(services).build()

    @page('/documents/new/{kind}')
    def new_document_page(kind: str) -> None:
        with frame(_('New document')):
            try:
                document_type = DocumentType(kind.replace('-', '_'))
            except ValueError:
                ui.label(_('There is no document type called "{kind}".').format(kind=kind))
                return
            business = folder.business.load_or_default()
            reference = folder.documents.next_reference(document_type)
            document = blank_document(
                document_type, reference=reference, currency=business.currency, today=date.today()
            )
            DocumentEditor(services, document, is_new=True).build()

    @page('/documents/{document_id}')
    def document_page(document_id: str) -> None:
        with frame(_('Document')):
            document = folder.documents.get(document_id)
            if document is None:
                missing()
                return
            DocumentView(services, document).build()

    @page('/documents/{document_id}/edit')
    def edit_document_page(document_id: str) -> None:
        with frame(_('Edit document')):
            document = folder.documents.get(document_id)
            if document is None:
                missing()
                return
            DocumentEditor(services, document, is_new=False).build()


def missing() -> None:
    ui.label(_('This document does not exist (it may have been deleted).'))
    ui.link(_('Back to documents'), '/documents')
