"""The email log on disk: records and queued attachments survive closing the folder; templates too."""

from __future__ import annotations

from pathlib import Path

from core.email_log import EmailStatus, MemoryEmailLog
from core.message import Attachment
from core.outbox import Outbox
from core.templates import EmailTemplate, default_template
from core.transport.memory import MemoryTransport
from storage.folder import DataFolder
from tests.email.conftest import FakeClock, make_draft, smtp_settings

PDF = Attachment('Reikningur Þórður INV-0042.pdf', 'application/pdf', b'%PDF-1.7\n' + bytes(range(256)) * 40)


def test_queued_email_and_its_pdf_survive_reopening_the_folder(tmp_path: Path, clock: FakeClock) -> None:
    folder = DataFolder(tmp_path)
    record = Outbox(folder.email_log, lambda: None, lambda _s: MemoryTransport(), clock=clock).enqueue(
        make_draft(), [PDF]
    )
    folder.close()

    reopened = DataFolder(tmp_path)
    try:
        assert reopened.email_log.get(record.id) == record
        assert reopened.email_log.all() == [record]
        assert reopened.email_log.attachments(record.id) == (PDF,)
        assert reopened.email_log.for_document('doc-42') == [record]
        assert reopened.email_log.for_document('other') == []
    finally:
        reopened.close()


async def test_sending_from_the_folder_log_discards_the_queued_pdf(tmp_path: Path, clock: FakeClock) -> None:
    folder = DataFolder(tmp_path)
    try:
        transport = MemoryTransport()
        outbox = Outbox(folder.email_log, smtp_settings, lambda _s: transport, clock=clock)
        record = await outbox.send(make_draft(), [PDF])
        assert record.status is EmailStatus.SENT
        assert folder.email_log.get(record.id) == record
        assert folder.email_log.attachments(record.id) == ()
        assert not (tmp_path / 'email_log' / 'attachments' / record.id).exists()
        assert transport.delivered[0].message.attachments == (PDF,)
    finally:
        folder.close()


def test_newest_email_first(tmp_path: Path, clock: FakeClock) -> None:
    folder = DataFolder(tmp_path)
    try:
        outbox = Outbox(folder.email_log, lambda: None, lambda _s: MemoryTransport(), clock=clock)
        first = outbox.enqueue(make_draft(document_id='a'))
        clock.advance(5)
        second = outbox.enqueue(make_draft(document_id='b'))
        assert [r.id for r in folder.email_log.all()] == [second.id, first.id]
    finally:
        folder.close()


def test_memory_log_and_folder_log_agree(tmp_path: Path, clock: FakeClock) -> None:
    folder = DataFolder(tmp_path)
    try:
        memory = MemoryEmailLog()
        for log in (memory, folder.email_log):
            Outbox(log, lambda: None, lambda _s: MemoryTransport(), clock=clock).enqueue(make_draft(), [PDF])
        assert [r.draft for r in memory.all()] == [r.draft for r in folder.email_log.all()]
    finally:
        folder.close()


def test_templates_default_until_saved_and_reset(tmp_path: Path) -> None:
    folder = DataFolder(tmp_path)
    try:
        repo = folder.templates
        assert repo.load('sales_invoice') == default_template('sales_invoice')
        assert not repo.is_customised('sales_invoice')
        mine = EmailTemplate('Reikningur {{ reference }}', 'Góðan dag {{ recipient.name }}')
        repo.save('sales_invoice', mine)
        folder.close()
        folder = DataFolder(tmp_path)
        assert folder.templates.load('sales_invoice') == mine
        assert folder.templates.is_customised('sales_invoice')
        assert folder.templates.load('sales_quote') == default_template('sales_quote')
        folder.templates.reset('sales_invoice')
        assert folder.templates.load('sales_invoice') == default_template('sales_invoice')
    finally:
        folder.close()
