"""In a real Chromium: open an invoice, Email, Send; the message arrives at a local aiosmtpd (STARTTLS + AUTH)."""

from __future__ import annotations

import email
import io
import re
from email.policy import default as default_policy

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from core.documents.money import format_money
from tests.browser.conftest import Mailbox, open_page

pytestmark = pytest.mark.browser


def test_email_an_invoice_from_its_page_and_it_arrives(page: Page, mailbox: Mailbox) -> None:
    invoice, contact, server = mailbox.invoice, mailbox.contact, mailbox.server
    open_page(page, f'{mailbox.app.url}/documents/{invoice.id}')
    page.get_by_role('button', name='Email').first.click()
    expect(page.get_by_text(f'Email {invoice.title}')).to_be_visible()
    expect(page.get_by_label('To', exact=True)).to_have_value(', '.join(contact.emails))
    expect(page.get_by_label('Cc', exact=True)).to_have_value(', '.join(contact.cc))  # the contact's default Cc
    expect(page.get_by_text(re.compile(rf'Sales Invoice {invoice.reference}\.pdf · \d+ KB'))).to_be_visible()
    page.get_by_role('button', name='Send').click()
    expect(page.get_by_text(f'Sent to {", ".join([*contact.emails, *contact.cc])}.')).to_be_visible()

    [received] = server.recorder.messages  # one email for To and Cc together
    assert received.over_tls and received.authenticated
    assert received.rcpt_tos == (*contact.emails, *contact.cc)
    message = email.message_from_bytes(received.content, policy=default_policy)
    assert message['Subject'] == f'Invoice {invoice.reference} from {mailbox.business_name}'
    [attachment] = list(message.iter_attachments())
    text = '\n'.join(p.extract_text() for p in PdfReader(io.BytesIO(attachment.get_content())).pages)
    assert invoice.reference in text and contact.name in text and format_money(invoice.total, invoice.currency) in text
