"""The HTTP protocol end to end: Manager's wire format to a plain test service, and through the Mailroom relay."""

from __future__ import annotations

import email
import io
from dataclasses import dataclass, field, replace
from datetime import date
from email.message import EmailMessage
from email.policy import default as default_policy

from pypdf import PdfReader
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from cli.relay_app import build_app
from core.documents.model import DocumentType
from core.documents.money import format_money
from core.email_log import Draft, EmailRecord, EmailStatus, MemoryEmailLog
from core.message import Attachment
from core.outbox import Outbox, document_attachment, document_draft
from core.sample_data import sample_business, sample_contacts, sample_documents
from core.settings import EmailSettings, Protocol
from core.templates import default_template
from core.transport import transport_for
from tests.email.conftest import FakeClock, submission_server
from tests.relay.conftest import RELAY_SENDER, UPSTREAM_PASSWORD, UPSTREAM_USER, relay_config, serving
from tests.support.certs import TestPKI
from tests.support.smtp_servers import smtp_server

BUSINESS = sample_business()
REPLY_TO = 'accounts@nordurljos.example'
ARCHIVE = 'archive@nordurljos.example'


@dataclass
class Posted:
    fields: dict[str, str]
    files: list[tuple[str, str, bytes]]


@dataclass
class ManagerStyleService:
    """Answers like a service that knows only Manager's fields: 200 with a short text, cc/bcc not understood."""

    posts: list[Posted] = field(default_factory=list)
    status: int = 200

    async def post(self, request: Request) -> Response:
        form = await request.form()
        fields: dict[str, str] = {}
        files: list[tuple[str, str, bytes]] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                files.append((value.filename or '', value.content_type or '', await value.read()))
            else:
                fields[name] = value
        self.posts.append(Posted(fields, files))
        if self.status != 200:
            return PlainTextResponse('Daily sending limit reached', status_code=self.status)
        return PlainTextResponse('OK')

    def app(self) -> Starlette:
        return Starlette(routes=[Route('/', self.post, methods=['POST'])])


def http_settings(url: str) -> EmailSettings:
    return EmailSettings(protocol=Protocol.HTTP, http_server=url, reply_to=REPLY_TO, bcc_enabled=True, bcc=ARCHIVE)


@dataclass(frozen=True)
class InvoiceEmail:
    reference: str
    contact_name: str
    total: str
    draft: Draft
    pdf: Attachment


def invoice_email() -> InvoiceEmail:
    contacts = {c.id: c for c in sample_contacts()}
    invoice = next(d for d in sample_documents(date(2026, 11, 28)) if d.type is DocumentType.SALES_INVOICE)
    contact = contacts[invoice.contact_id]
    return InvoiceEmail(
        reference=invoice.reference,
        contact_name=contact.name,
        total=format_money(invoice.total, invoice.currency),
        draft=document_draft(invoice, BUSINESS, contact, default_template('sales_invoice')),
        pdf=document_attachment(invoice, BUSINESS, contact),
    )


def outbox_for(url: str, clock: FakeClock, sent: list[EmailRecord]) -> Outbox:
    settings = http_settings(url)
    return Outbox(
        MemoryEmailLog(), lambda: settings, lambda s: transport_for(s, timeout=5), clock=clock, on_sent=sent.append
    )


def pdf_text(data: bytes) -> str:
    return '\n'.join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def test_manager_format_post_carries_the_pdf_and_the_copy_is_sent_apart(clock: FakeClock) -> None:
    invoice = invoice_email()
    service = ManagerStyleService()
    sent: list[EmailRecord] = []
    async with serving(service.app()) as url:
        record = await outbox_for(url, clock, sent).send(invoice.draft, [invoice.pdf])

    assert record.status is EmailStatus.SENT, record
    assert sent == [record]
    main, copy = service.posts
    assert main.fields['from'] == BUSINESS.name
    assert main.fields['reply_to'] == REPLY_TO
    assert main.fields['to'] == 'thordur@example.is'
    assert main.fields['subject'] == f'Invoice {invoice.reference} from {BUSINESS.name}'
    assert f'<strong>{invoice.reference}</strong>' in main.fields['body']
    [(filename, content_type, data)] = main.files
    assert (filename, content_type) == (f'Sales Invoice {invoice.reference}.pdf', 'application/pdf')
    text = pdf_text(data)
    assert invoice.reference in text and invoice.contact_name in text and invoice.total in text
    # This service did not confirm the blind copy, so Mailroom delivered it as a message of its own.
    assert copy.fields['to'] == ARCHIVE
    assert 'bcc' not in copy.fields
    assert copy.files[0][2] == data


async def test_an_http_refusal_is_a_permanent_failure_with_the_services_words(clock: FakeClock) -> None:
    invoice = invoice_email()
    service = ManagerStyleService(status=403)
    sent: list[EmailRecord] = []
    async with serving(service.app()) as url:
        record = await outbox_for(url, clock, sent).send(invoice.draft, [invoice.pdf])
    assert (record.status, record.step, record.cause) == (EmailStatus.FAILED, 'http', 'http-rejected')
    assert record.reply == '403 Forbidden: Daily sending limit reached'
    assert sent == []


async def test_through_the_relay_the_invoice_arrives_with_reply_to_and_the_blind_copy(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    invoice = invoice_email()
    sent: list[EmailRecord] = []
    upstream_options = replace(submission_server(pki), accounts={UPSTREAM_USER: UPSTREAM_PASSWORD})
    async with smtp_server(upstream_options) as upstream, serving(build_app(relay_config(upstream))) as url:
        record = await outbox_for(url, clock, sent).send(invoice.draft, [invoice.pdf])

    assert record.status is EmailStatus.SENT, record
    assert sent == [record]
    assert '250' in record.reply
    [received] = upstream.recorder.messages  # one message: the relay honoured the bcc field
    assert received.over_tls and received.authenticated
    assert sorted(received.rcpt_tos) == [ARCHIVE, 'bokhald@example.is', 'thordur@example.is']  # with the default Cc
    message = email.message_from_bytes(received.content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    [sender] = message['From'].addresses
    assert sender.addr_spec == RELAY_SENDER
    assert sender.display_name == f'{BUSINESS.name} via Mailroom Relay'
    assert message['Reply-To'] == REPLY_TO
    assert message['To'] == 'thordur@example.is'
    assert message['Bcc'] is None
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f'Sales Invoice {invoice.reference}.pdf'
    text = pdf_text(attachment.get_content())
    assert invoice.reference in text and invoice.contact_name in text and invoice.total in text


async def test_through_the_relay_a_refused_cc_is_partly_sent_and_retry_posts_only_that_address(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    invoice = invoice_email()
    sent: list[EmailRecord] = []
    upstream_options = replace(
        submission_server(pki),
        accounts={UPSTREAM_USER: UPSTREAM_PASSWORD},
        refuse={'bokhald@example.is': '550 5.1.1 No such user'},
    )
    async with smtp_server(upstream_options) as upstream, serving(build_app(relay_config(upstream))) as url:
        outbox = outbox_for(url, clock, sent)
        record = await outbox.send(replace(invoice.draft, cc=('bokhald@example.is',)), [invoice.pdf])
        assert record.status is EmailStatus.PARTLY_SENT, record
        assert [o.address for o in record.not_accepted] == ['bokhald@example.is']
        upstream_options.refuse.clear()
        outbox.retry(record.id)
        [retried] = await outbox.run_due()

    assert retried.status is EmailStatus.SENT and sent == [retried]
    first, second = upstream.recorder.messages
    assert sorted(first.rcpt_tos) == [ARCHIVE, 'thordur@example.is']
    assert second.rcpt_tos == ('bokhald@example.is',)
