"""End to end over real SMTP on 127.0.0.1 (STARTTLS + AUTH): a due reminder arrives with the invoice's real PDF."""

from __future__ import annotations

import email
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from pypdf import PdfReader

from core.documents.money import format_money
from core.email_log import EmailStatus
from core.outbox import Outbox
from core.reminders.stages import ReminderSettings
from core.sample_data import sample_business, sample_contacts, sample_documents
from core.transport import transport_for
from storage.folder import DataFolder
from tests.email.conftest import smtp_settings, submission_server
from tests.reminders.test_scheduler import Clock
from tests.support.certs import TestPKI
from tests.support.smtp_servers import smtp_server
from ui.services import mark_sent, reminder_scheduler


async def test_a_due_reminder_arrives_with_the_invoice_pdf_and_is_logged_sent(tmp_path: Path, trusted: TestPKI) -> None:
    business = sample_business()
    invoice = next(d for d in sample_documents(datetime(2026, 11, 28).date()) if d.reference == 'INV-0004')
    contact = next(c for c in sample_contacts() if c.id == invoice.contact_id)
    assert invoice.second_date is not None
    clock = Clock(invoice.second_date + timedelta(days=14))
    folder = DataFolder(tmp_path / 'data')
    try:
        folder.business.save(business)
        folder.contacts.save(contact)
        folder.documents.save(replace(invoice, sent_at=datetime.combine(invoice.issue_date, datetime.min.time(), UTC)))
        folder.reminders.save_settings(replace(ReminderSettings(), enabled=True))
        async with smtp_server(submission_server(trusted)) as server:
            settings = smtp_settings(port=server.port)
            folder.settings.save(settings)
            outbox = Outbox(
                folder.email_log,
                folder.settings.load,
                lambda s: transport_for(s, timeout=5),
                clock=clock,
                on_sent=lambda r: mark_sent(folder, r),
            )
            report = await reminder_scheduler(folder, outbox, clock=clock).run_once()
            [record] = await outbox.run_due()
        assert report.queued == [record.id]
        assert record.status is EmailStatus.SENT, record
        [received] = server.recorder.messages
        assert sorted(received.rcpt_tos) == sorted([*contact.emails, *contact.cc, 'archive@nordurljos.example'])
        message = email.message_from_bytes(received.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        assert message['Subject'] == f'Second reminder: invoice {invoice.reference} is overdue'
        assert message['Cc'] == ', '.join(contact.cc)
        [attachment] = list(message.iter_attachments())
        assert attachment.get_filename() == f'Sales Invoice {invoice.reference}.pdf'
        reader = PdfReader(io.BytesIO(attachment.get_content()))
        text = '\n'.join(page.extract_text() for page in reader.pages)
        assert invoice.reference in text and format_money(invoice.total, invoice.currency) in text
        body = message.get_body(('plain',))
        assert body is not None and '14 days ago' in body.get_content()
    finally:
        folder.close()
