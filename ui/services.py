"""What every page is handed: the app's composition, built once in main.py (or a test)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from core.batch import Batches
from core.discovery.network import Network
from core.dns import DnsResolver
from core.email_log import EmailRecord
from core.oauth.signins import SignIns
from core.oauth.tokens import TokenCache
from core.outbox import Outbox
from core.providers import SendingLimits, sending_limits_for
from core.reminders.scheduler import ReminderScheduler, Sources
from core.settings import EmailSettings
from core.transport import transport_for
from core.transport.base import Transport
from storage.folder import DataFolder


@dataclass
class Services:
    folder: DataFolder
    outbox: Outbox
    reminders: ReminderScheduler
    batches: Batches
    dns: DnsResolver = field(default_factory=DnsResolver)  # tests put one on a loopback DNS server here
    tokens: TokenCache = field(default_factory=TokenCache)  # access tokens of a sign-in, shared by test and outbox
    signins: SignIns = field(default_factory=SignIns)  # sign-ins waiting for the browser to come back
    discovery: Network = field(default_factory=Network)  # DNS, HTTP and SMTP ports for Find my settings

    def __post_init__(self) -> None:
        if self.discovery.resolver is None:  # one resolver for Find my settings and deliverability
            self.discovery.resolver = self.dns


def build_services(
    folder: DataFolder, transport: Callable[[EmailSettings], Transport] | None = None, *, paced: bool = True
) -> Services:
    """One outbox per data folder: it sends with the saved settings, within the sending limits, and marks documents
    sent on acceptance; the batches hold back the emails of a paused batch; the reminders queue into the outbox. One
    token cache for a sign-in with a provider, which saves every rotated refresh token at once."""
    tokens = TokenCache(folder.settings.save_rotated_sign_in)
    outbox = Outbox(
        folder.email_log,
        folder.settings.load,
        transport or partial(transport_for, tokens=tokens),
        on_sent=partial(mark_sent, folder),
        limits=partial(sending_limits, folder) if paced else lambda: None,
    )
    return Services(
        folder=folder,
        outbox=outbox,
        reminders=reminder_scheduler(folder, outbox),
        batches=Batches(folder.batches, outbox),
        tokens=tokens,
    )


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


def sending_limits(folder: DataFolder) -> SendingLimits:
    """The user's own limits if saved, else the provider's for the saved settings, else the conservative default."""
    settings = folder.settings.load_public()
    own = folder.sending_limits.load()
    if own is not None:
        return own
    return sending_limits_for(settings.host, settings.sender_address) if settings else sending_limits_for('')


def mark_sent(folder: DataFolder, record: EmailRecord) -> None:
    """Only the transport's acceptance makes a document "Sent" (statements are reports and have nothing to mark)."""
    if record.sent_at is not None:
        folder.documents.mark_sent(record.draft.document_id, record.sent_at)
