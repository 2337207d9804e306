"""Files beside the PDF: added to one message in the compose dialog, or to every email of a document type on the
templates page; listed by name and size, removable, counted in the server's size limit, kept with a queued email."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User

from core.attachments import MAX_ATTACHMENT_BYTES, added_file, content_type_for, size_summary
from core.documents.model import DocumentType
from core.email_log import EmailStatus
from core.message import Attachment, MessageError
from core.outbox import Outbox, document_attachments, document_draft
from core.sample_data import sample_business, sample_contacts, sample_documents
from core.templates import default_template
from core.transport.memory import MemoryTransport
from storage.folder import DataFolder
from tests.email.conftest import FakeClock, open_compose, outbox_for, submission_server
from tests.support.certs import TestPKI
from tests.support.smtp_servers import smtp_server
from tests.support.ui import BACKGROUND_RETRIES
from ui.services import Services

TERMS = Attachment('Terms and conditions.pdf', 'application/pdf', b'%PDF-1.4 terms' + b'.' * 3000)
XML = Attachment('INV-0001.xml', 'application/xml', b'<Invoice>' + b' ' * 1200 + b'</Invoice>')


async def upload(user: User, marker: str, filename: str, data: bytes) -> None:
    """What the browser's upload does: hand the file to the element's handlers."""
    [element] = user.find(marker=marker).elements
    assert isinstance(element, ui.upload)
    await element.handle_uploads([SmallFileUpload(filename, '', data)])


def test_a_file_is_refused_when_empty_too_large_named_twice_or_with_a_line_break_in_its_name() -> None:
    with pytest.raises(MessageError, match='is empty'):
        added_file('terms.pdf', b'')
    with pytest.raises(MessageError, match='more than the'):
        added_file('huge.pdf', b'x' * (MAX_ATTACHMENT_BYTES + 1))
    with pytest.raises(MessageError, match='already attached'):
        added_file('TERMS AND CONDITIONS.PDF', b'x', [TERMS])
    with pytest.raises(MessageError, match='line break'):
        added_file('terms.pdf\r\nBcc: victim@example.com', b'x')
    assert added_file(' INV-0001.xml ', b'<x/>') == Attachment('INV-0001.xml', 'application/xml', b'<x/>')
    assert content_type_for('notes.unknownext') == 'application/octet-stream'


def test_the_size_summary_counts_every_file_as_the_server_will() -> None:
    assert size_summary([TERMS, XML]) == '2 attachments, 4 KB in all (about 6 KB once encoded for sending).'


def test_files_of_a_document_type_survive_a_restart_and_can_be_removed(tmp_path: Path) -> None:
    folder = DataFolder(tmp_path / 'data')
    folder.type_attachments.add('sales_invoice', TERMS)
    folder.type_attachments.add('sales_invoice', XML)
    folder.close()
    folder = DataFolder(tmp_path / 'data')
    assert folder.type_attachments.load('sales_invoice') == (TERMS, XML)
    assert folder.type_attachments.load('sales_quote') == ()
    folder.type_attachments.remove('sales_invoice', TERMS.filename)
    assert folder.type_attachments.load('sales_invoice') == (XML,)
    assert len(list((tmp_path / 'data' / 'type_attachments').iterdir())) == 1
    folder.close()


async def test_a_queued_email_keeps_every_attachment_across_a_restart(tmp_path: Path) -> None:
    invoice = next(d for d in sample_documents(date(2026, 11, 28)) if d.type is DocumentType.SALES_INVOICE)
    contact = next(c for c in sample_contacts() if c.id == invoice.contact_id)
    business = sample_business()
    files = document_attachments(invoice, business, contact, [TERMS, XML])
    folder = DataFolder(tmp_path / 'data')
    outbox = Outbox(folder.email_log, lambda: None, lambda _s: MemoryTransport())
    record = outbox.enqueue(document_draft(invoice, business, contact, default_template('sales_invoice')), files)
    folder.close()
    folder = DataFolder(tmp_path / 'data')
    assert folder.email_log.attachments(record.id) == files
    again = folder.email_log.get(record.id)
    assert again is not None and again.attachment_names == (files[0].filename, TERMS.filename, XML.filename)
    folder.close()


async def test_extra_files_count_in_the_servers_size_limit(pki: TestPKI, trust_pki: None, clock: FakeClock) -> None:
    invoice = next(d for d in sample_documents(date(2026, 11, 28)) if d.type is DocumentType.SALES_INVOICE)
    contact = next(c for c in sample_contacts() if c.id == invoice.contact_id)
    business = sample_business()
    pdf, *_ = document_attachments(invoice, business, contact)
    limit = len(pdf.data) * 2  # room for the PDF alone, once encoded, but not for a large extra file
    big = Attachment('Catalogue.pdf', 'application/pdf', b'%PDF' + b'x' * limit)
    draft = document_draft(invoice, business, contact, default_template('sales_invoice'))
    async with smtp_server(replace(submission_server(pki), size_limit=limit)) as server:
        outbox = outbox_for(server.port, clock)
        alone = await outbox.send(draft, [pdf])
        with_extra = await outbox.send(draft, [pdf, big])
    assert alone.status is EmailStatus.SENT
    assert (with_extra.status, with_extra.cause) == (EmailStatus.FAILED, 'message-too-large')
    assert len(server.recorder.messages) == 1


async def test_type_files_and_added_files_go_with_the_email_and_a_removed_one_does_not(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    services.folder.type_attachments.add('sales_invoice', TERMS)
    invoice = await open_compose(app_user, services)
    await app_user.should_see(f'{TERMS.filename} · 3 KB')
    await upload(app_user, 'compose-upload', 'INV-0001.xml', XML.data)
    await upload(app_user, 'compose-upload', 'Photo.jpg', b'\xff\xd8jpeg')
    await app_user.should_see('INV-0001.xml · 1 KB')
    await app_user.should_see('4 attachments,')
    await upload(app_user, 'compose-upload', 'photo.JPG', b'again')
    await app_user.should_see('Not attached: A file called photo.JPG is already attached')
    app_user.find(marker='remove-Photo.jpg').click()
    await app_user.should_see('3 attachments,')
    app_user.find(marker='compose-send').click()
    await app_user.should_see('Sent to', retries=BACKGROUND_RETRIES)

    [delivered] = transport.delivered
    files = [(a.get_filename(), a.get_content_type()) for a in delivered.built.mime.iter_attachments()]
    assert files == [
        (f'Sales Invoice {invoice.reference}.pdf', 'application/pdf'),
        (TERMS.filename, 'application/pdf'),
        ('INV-0001.xml', 'application/xml'),
    ]
    [record] = services.folder.email_log.for_document(invoice.id)
    assert record.attachment_names == tuple(name for name, _ in files)


async def test_the_templates_page_adds_and_removes_a_file_for_every_email_of_a_type(
    services: Services, app_user: User
) -> None:
    await app_user.open('/templates')
    app_user.find('Sales invoice').click()
    await app_user.should_see("None: the email carries the document's PDF only.")
    await upload(app_user, 'type-upload', TERMS.filename, TERMS.data)
    await app_user.should_see(f'{TERMS.filename} now goes with every sales invoice email.')
    await app_user.should_see(f'{TERMS.filename} · 3 KB')
    assert services.folder.type_attachments.load('sales_invoice') == (TERMS,)
    assert services.folder.type_attachments.load('sales_quote') == ()
    app_user.find(marker=f'remove-type-{TERMS.filename}').click()
    await app_user.should_see(f'{TERMS.filename} is no longer attached to sales invoice emails.')
    assert services.folder.type_attachments.load('sales_invoice') == ()
