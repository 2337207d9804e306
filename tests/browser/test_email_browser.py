"""In a real Chromium: open an invoice, Email, Send; the message arrives at a local aiosmtpd (STARTTLS + AUTH)."""

from __future__ import annotations

import email
import io
import re
from collections.abc import Callable
from datetime import date
from email.policy import default as default_policy
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from core.documents.model import DocumentType
from core.documents.money import format_money
from core.settings import EmailSettings, Security
from storage.documents_repo import seed_sample_data
from storage.folder import DataFolder
from tests.browser.conftest import LiveApp
from tests.support.certs import TestPKI
from tests.support.smtp_servers import threaded_smtp_server

USERNAME, PASSWORD = 'owner@nordurljos.example', 'Browser-App-Pass-77'
pytestmark = pytest.mark.browser


def test_email_an_invoice_from_its_page_and_it_arrives(
    page: Page, live_app_factory: Callable[..., LiveApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pki = TestPKI(tmp_path / 'pki')
    monkeypatch.setenv('SSL_CERT_FILE', str(pki.ca_path))  # the app process trusts the test CA like a system CA
    with threaded_smtp_server(
        tls='starttls', cert=pki.good(), require_starttls=True, accounts={USERNAME: PASSWORD}, auth_required=True
    ) as server:
        data_dir = tmp_path / 'data'
        folder = DataFolder(data_dir)
        seed_sample_data(folder, today=date.today())
        settings = EmailSettings(
            host=server.host, port=server.port, security=Security.STARTTLS, username=USERNAME, password=PASSWORD
        )
        folder.settings.save(settings)
        invoice = next(d for d in folder.documents.all() if d.type is DocumentType.SALES_INVOICE)
        contact = folder.contacts.get(invoice.contact_id)
        assert contact is not None
        business_name = folder.business.load_or_default().name
        folder.close()

        app = live_app_factory(data_dir=data_dir)
        page.goto(f'{app.url}/documents/{invoice.id}')
        page.get_by_role('button', name='Email').first.click()
        expect(page.get_by_text(f'Email {invoice.title}')).to_be_visible()
        expect(page.get_by_label('To', exact=True)).to_have_value(contact.emails[0])
        expect(page.get_by_text(re.compile(rf'Sales Invoice {invoice.reference}\.pdf · \d+ KB'))).to_be_visible()
        page.get_by_role('button', name='Send').click()
        expect(page.get_by_text(f'Sent to {contact.emails[0]}.')).to_be_visible()

        [received] = server.recorder.messages
    assert received.over_tls and received.authenticated
    assert received.rcpt_tos == (contact.emails[0],)
    message = email.message_from_bytes(received.content, policy=default_policy)
    assert message['Subject'] == f'Invoice {invoice.reference} from {business_name}'
    [attachment] = list(message.iter_attachments())
    text = '\n'.join(p.extract_text() for p in PdfReader(io.BytesIO(attachment.get_content())).pages)
    assert invoice.reference in text and contact.name in text and format_money(invoice.total, invoice.currency) in text
