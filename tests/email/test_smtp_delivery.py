"""End to end over real SMTP on 127.0.0.1 (STARTTLS + AUTH): what arrives, what the log says, retries, size."""

from __future__ import annotations

import asyncio
import contextlib
import email
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pypdf import PdfReader

from core.documents.model import Contact, Document, DocumentType
from core.documents.money import format_money
from core.documents.statement import build_statement
from core.email_log import EmailRecord, EmailStatus, filter_records
from core.outbox import document_attachment, document_draft
from core.sample_data import sample_business, sample_contacts, sample_documents
from core.settings import Security
from core.templates import default_template, template_type
from tests.email.conftest import PASSWORD, USERNAME, FakeClock, outbox_for, outbox_on, submission_server
from tests.support.certs import TestPKI
from tests.support.smtp_servers import ReceivedMessage, Recorder, ServerInfo, raw_server, scripted, smtp_server

BUSINESS = sample_business()
TODAY = date(2026, 11, 28)


def invoice_and_contact() -> tuple[Document, Contact]:
    contacts = {c.id: c for c in sample_contacts()}
    invoice = next(d for d in sample_documents(TODAY) if d.type is DocumentType.SALES_INVOICE)
    return invoice, contacts[invoice.contact_id]


def parsed(received: ReceivedMessage) -> EmailMessage:
    message = email.message_from_bytes(received.content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def pdf_text(message: EmailMessage) -> tuple[str, str]:
    [attachment] = list(message.iter_attachments())
    data = attachment.get_content()
    reader = PdfReader(io.BytesIO(data))
    return str(attachment.get_filename()), '\n'.join(page.extract_text() for page in reader.pages)


async def test_invoice_arrives_with_right_headers_blind_copy_and_a_readable_pdf(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    invoice, contact = invoice_and_contact()
    async with outbox_on(submission_server(pki), clock) as (server, outbox, sent):
        draft = document_draft(invoice, BUSINESS, contact, default_template(template_type(invoice)))
        draft = replace(draft, cc=('bokhald@example.is',))
        record = await outbox.send(draft, [document_attachment(invoice, BUSINESS, contact)])

    assert record.status is EmailStatus.SENT, record
    assert record.reply == '250 2.0.0 Ok: queued as TEST123'
    assert sent == [record]
    [received] = server.recorder.messages
    assert received.over_tls and received.authenticated
    assert server.recorder.auth_over_tls is True
    assert not server.recorder.credentials_in_plaintext(PASSWORD)
    assert received.mail_from == USERNAME
    assert sorted(received.rcpt_tos) == ['archive@nordurljos.example', 'bokhald@example.is', 'thordur@example.is']

    message = parsed(received)
    [sender] = message['From'].addresses
    assert (sender.display_name, sender.addr_spec) == (BUSINESS.name, USERNAME)
    assert message['To'] == 'thordur@example.is'
    assert message['Cc'] == 'bokhald@example.is'
    assert message['Reply-To'] == 'accounts@nordurljos.example'
    assert message['Bcc'] is None
    assert b'archive@nordurljos.example' not in received.content
    assert message['Subject'] == f'Invoice {invoice.reference} from {BUSINESS.name}'
    assert message['Message-ID'] == record.message_id
    assert message['Date'] is not None
    assert b'=?utf-8?' in received.content.split(b'\r\n\r\n', 1)[0]  # Norðurljós encoded in the header
    body = message.get_body(('plain',))
    html = message.get_body(('html',))
    assert body is not None and html is not None
    assert f'Dear {contact.name},' in body.get_content()
    assert f'<strong>{invoice.reference}</strong>' in html.get_content()

    filename, text = pdf_text(message)
    assert filename == f'Sales Invoice {invoice.reference}.pdf'
    assert invoice.reference in text
    assert contact.name in text
    assert format_money(invoice.total, invoice.currency) in text


async def test_a_statement_with_a_non_ascii_file_name_arrives_intact(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    contacts = {c.id: c for c in sample_contacts()}
    _invoice, customer = invoice_and_contact()
    statement = build_statement(customer, sample_documents(TODAY), date(2026, 1, 1), TODAY, 'EUR')
    async with smtp_server(submission_server(pki)) as server:
        outbox = outbox_for(server.port, clock)
        draft = document_draft(statement, BUSINESS, None, default_template(template_type(statement)))
        record = await outbox.send(draft, [document_attachment(statement, BUSINESS, None)])
    assert record.status is EmailStatus.SENT
    assert record.draft.to == contacts[customer.id].emails[:1]
    message = parsed(server.recorder.messages[0])
    filename, text = pdf_text(message)
    assert filename == f'Customer Statement {customer.name} {TODAY.isoformat()}.pdf'
    assert customer.name in text
    assert format_money(statement.amount_due, 'EUR') in text
    assert format_money(statement.amount_due, 'EUR') in str(message.get_body(('plain',)).get_content())  # type: ignore[union-attr]


async def test_a_rejected_recipient_fails_permanently_and_the_document_is_not_marked_sent(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    invoice, contact = invoice_and_contact()
    sent: list[EmailRecord] = []
    options = replace(submission_server(pki), rcpt_reply='550 5.1.1 No such user')
    async with smtp_server(options) as server:
        outbox = outbox_for(server.port, clock, sent)
        draft = document_draft(invoice, BUSINESS, contact, default_template('sales_invoice'))
        record = await outbox.send(draft, [document_attachment(invoice, BUSINESS, contact)])
        clock.advance(3600)
        assert await outbox.run_due() == []
    assert (record.status, record.step, record.cause) == (EmailStatus.FAILED, 'rcpt', 'recipient-rejected')
    assert record.reply.startswith('550 5.1.1 No such user')
    assert not record.transient
    assert sent == []
    assert not filter_records(outbox.log.all(), status=EmailStatus.SENT, document_id=invoice.id)
    assert server.recorder.messages == []


async def test_a_message_over_the_servers_size_limit_is_refused_before_mail_from(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    invoice, contact = invoice_and_contact()
    options = replace(submission_server(pki), size_limit=20_000)
    async with smtp_server(options) as server:
        outbox = outbox_for(server.port, clock)
        draft = document_draft(invoice, BUSINESS, contact, default_template('sales_invoice'))
        record = await outbox.send(draft, [document_attachment(invoice, BUSINESS, contact)])
    assert (record.status, record.cause) == (EmailStatus.FAILED, 'message-too-large')
    assert '20000 bytes' in record.said
    assert 'MAIL' not in server.recorder.commands
    assert server.recorder.messages == []


class _Greylisting:
    """Answers the first DATA with 451 (as greylisting servers do), then accepts; records what it accepted."""

    def __init__(self) -> None:
        self.refusals = 0
        self.accepted: list[bytes] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not self.refusals:
            self.refusals += 1
            return '451 4.7.1 Greylisted, please try again later'
        self.accepted.append(envelope.original_content or b'')
        return '250 2.0.0 Ok: queued as GREY2'


@contextlib.asynccontextmanager
async def greylisting_server(pki: TestPKI) -> AsyncIterator[tuple[ServerInfo, _Greylisting]]:
    handler = _Greylisting()
    cert = pki.good()

    def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == (USERNAME, PASSWORD)
        return AuthResult(success=ok)

    def factory() -> SMTP:
        return SMTP(
            handler,
            hostname='grey.test.invalid',
            tls_context=cert.server_context(),
            require_starttls=True,
            authenticator=authenticate,
            auth_required=True,
        )

    server = await asyncio.get_running_loop().create_server(factory, '127.0.0.1', 0)
    try:
        yield ServerInfo('127.0.0.1', int(server.sockets[0].getsockname()[1]), Recorder()), handler
    finally:
        server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 2)


async def test_a_greylisted_email_is_retried_automatically_and_ends_sent(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    invoice, contact = invoice_and_contact()
    sent: list[EmailRecord] = []
    async with greylisting_server(pki) as (server, handler):
        outbox = outbox_for(server.port, clock, sent)
        draft = document_draft(invoice, BUSINESS, contact, default_template('sales_invoice'))
        first = await outbox.send(draft, [document_attachment(invoice, BUSINESS, contact)])
        assert (first.status, first.cause, first.transient) == (EmailStatus.QUEUED, 'data-rejected', True)
        assert first.reply.startswith('451 4.7.1 Greylisted')
        assert sent == []
        clock.advance(60)
        [second] = await outbox.run_due()
    assert second.status is EmailStatus.SENT
    assert second.tries == 2
    assert second.reply == '250 2.0.0 Ok: queued as GREY2'
    assert sent == [second]
    [accepted] = handler.accepted
    message = parsed(ReceivedMessage('', (), accepted, True, True))
    assert message['Message-ID'] == first.message_id
    assert pdf_text(message)[0] == f'Sales Invoice {invoice.reference}.pdf'


async def test_a_server_refusing_everyone_is_asked_once_not_once_per_queued_email(clock: FakeClock) -> None:
    invoice, contact = invoice_and_contact()
    banner = '421 4.3.2 Service not available, closing transmission channel'
    async with raw_server(scripted({}, banner=banner)) as server:
        outbox = outbox_for(server.port, clock, security=Security.NONE, allow_plaintext=True)
        draft = document_draft(invoice, BUSINESS, contact, default_template('sales_invoice'))
        for _ in range(3):
            outbox.enqueue(draft)
        results = await outbox.run_due()
    assert [(r.status, r.cause, r.step, r.tries) for r in results] == [
        (EmailStatus.QUEUED, 'greeting-rejected', 'greeting', 1)
    ] * 3
    assert all(r.reply.startswith('421 4.3.2') for r in results)
    assert server.recorder.connections == 1
