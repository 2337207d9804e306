"""What every page is handed: the app's composition, built once in main.py (or a test)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from core.email_log import EmailRecord
from core.outbox import Outbox
from core.reminders.scheduler import ReminderScheduler, Sources
from core.transport import transport_for
from storage.folder import DataFolder


@dataclass
class Services:
    folder: DataFolder
    outbox: Outbox
    reminders: ReminderScheduler


def build_services(folder: DataFolder) -> Services:
    """One outbox per data folder: it sends with the saved settings and marks documents sent on acceptance."""
    outbox = Outbox(folder.email_log, folder.settings.load, transport_for, on_sent=partial(mark_sent, folder))
    return Services(folder=folder, outbox=outbox, reminders=reminder_scheduler(folder, outbox))


def reminder_scheduler(folder: DataFolder, outbox: Outbox, **options: Any) -> ReminderScheduler:
    """The reminders loop over this folder's invoices, queueing into `outbox`; `options` (clock, sleep) for tests."""
    sources = Sources(
        documents=folder.documents.all,
        contact=folder.contacts.get,
        business=folder.business.load_or_default,
        type_files=folder.type_attachments.load,
        email_ready=folder.settings.is_saved,
    )
    return ReminderScheduler(folder.reminders, outbox, sources, **options)


def mark_sent(folder: DataFolder, record: EmailRecord) -> None:
    """Only the transport's acceptance makes a document "Sent" (statements are reports and have nothing to mark)."""
    if record.sent_at is not None:
        folder.documents.mark_sent(record.draft.document_id, record.sent_at)
