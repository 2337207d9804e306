"""In a real Chromium: 50 invoices emailed at once to a local aiosmtpd, three customers without an address, one
address the server refuses; the preflight names the three, and exactly the 46 that arrived are Sent."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core.documents.model import Contact, ContactKind, Document, DocumentType
from core.email_log import EmailStatus
from core.providers import SendingLimits
from core.sample_data import sample_business, sample_documents
from core.settings import EmailSettings, Security
from storage.folder import DataFolder
from tests.browser.conftest import PASSWORD, USERNAME, LiveApp, open_page
from tests.support.certs import TestPKI
from tests.support.smtp_servers import ServerInfo, threaded_smtp_server

pytestmark = pytest.mark.browser

INVOICES = 50
WITHOUT_ADDRESS = (4, 17, 33)
REFUSED = 21
REFUSAL = '550 5.1.1 <customer21@example.test>: Recipient address rejected: User unknown'
PREPARING = 180_000  # 50 PDFs are made before the preflight can answer; a loaded machine needs its time


@dataclass
class FiftyInvoices:
    app: LiveApp
    server: ServerInfo
    data_dir: Path
    customers: list[Contact]


def customer(number: int) -> Contact:
    emails = () if number in WITHOUT_ADDRESS else (f'customer{number}@example.test',)
    return Contact(f'customer-{number:02d}', ContactKind.CUSTOMER, f'Customer {number:02d} ehf.', emails)


def invoice(template: Document, number: int) -> Document:
    return replace(
        template, id=f'invoice-{number:02d}', reference=f'INV-{number + 1:04d}', contact_id=f'customer-{number:02d}'
    )


@pytest.fixture
def fifty_invoices(
    live_app_factory: Callable[..., LiveApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FiftyInvoices]:
    pki = TestPKI(tmp_path / 'pki')
    monkeypatch.setenv('SSL_CERT_FILE', str(pki.ca_path))
    refuse = {f'customer{REFUSED}@example.test': REFUSAL}
    with threaded_smtp_server(
        tls='starttls',
        cert=pki.good(),
        require_starttls=True,
        accounts={USERNAME: PASSWORD},
        auth_required=True,
        refuse=refuse,
    ) as server:
        data_dir = tmp_path / 'data'
        folder = DataFolder(data_dir)
        folder.business.save(sample_business())
        folder.business.mark_set_up()
        customers = [customer(n) for n in range(INVOICES)]
        for contact in customers:
            folder.contacts.save(contact)
        template = next(d for d in sample_documents(date.today()) if d.type is DocumentType.SALES_INVOICE)
        folder.documents.save_many(invoice(template, n) for n in range(INVOICES))
        folder.settings.save(
            EmailSettings(
                host=server.host, port=server.port, security=Security.STARTTLS, username=USERNAME, password=PASSWORD
            )
        )
        folder.sending_limits.save(SendingLimits(per_minute=3_000, per_day=10_000))  # a fast provider, as data
        folder.close()
        app = live_app_factory(data_dir=data_dir)
        yield FiftyInvoices(app, server, data_dir, customers)


def test_fifty_invoices_three_without_address_one_refused_exactly_46_are_sent(
    page: Page, fifty_invoices: FiftyInvoices
) -> None:
    server = fifty_invoices.server
    open_page(page, f'{fifty_invoices.app.url}/documents')
    page.get_by_role('button', name=f'Select all {INVOICES} matching').click()
    expect(page.get_by_text(f'All {INVOICES} matching documents are selected.')).to_be_visible()
    page.get_by_role('button', name='Email selected…').click()

    ready = INVOICES - len(WITHOUT_ADDRESS)
    expect(page.get_by_text(f'{ready} of {INVOICES} ready to send.')).to_be_visible(timeout=PREPARING)
    for number in WITHOUT_ADDRESS:
        expect(page.get_by_text(re.compile(rf'Customer {number:02d} ehf\. has no email address'))).to_be_visible()
    expect(page.get_by_text(re.compile(r'^To customer\d+@example\.test$')).first).to_be_visible()  # the preview
    expect(page.get_by_text(re.compile(r'^Sales Invoice INV-\d{4}\.pdf · \d+ KB$')).first).to_be_visible()
    page.get_by_role('button', name=f'Send {ready} emails').click()

    expect(page.get_by_text('Sent: 46')).to_be_visible(timeout=120_000)
    expect(page.get_by_text('Failed: 1')).to_be_visible()
    expect(page.get_by_text('Done', exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r'550 5\.1\.1 <customer21@example\.test>'))).to_be_visible()
    page.reload()  # the counts come from the log, so a reload shows the same
    expect(page.get_by_text('Sent: 46')).to_be_visible()
    expect(page.get_by_text('Queued: 0')).to_be_visible()

    delivered = sorted(rcpt for message in server.recorder.messages for rcpt in message.rcpt_tos)
    expected = sorted(f'customer{n}@example.test' for n in range(INVOICES) if n not in (*WITHOUT_ADDRESS, REFUSED))
    assert delivered == expected and len(delivered) == 46

    fifty_invoices.app.process.terminate()  # the data folder is the app's own while it runs
    fifty_invoices.app.process.wait(10)
    folder = DataFolder(fifty_invoices.data_dir)
    try:
        records = folder.email_log.all()
        assert [r.status for r in records].count(EmailStatus.SENT) == 46
        [failed] = [r for r in records if r.status is EmailStatus.FAILED]
        assert failed.draft.to == (f'customer{REFUSED}@example.test',) and failed.reply.startswith('550 5.1.1')
        sent_documents = [d for d in folder.documents.all() if d.sent_at is not None]
        assert len(sent_documents) == 46 and f'invoice-{REFUSED:02d}' not in {d.id for d in sent_documents}
    finally:
        folder.close()
