"""Set up the app's services for page tests: an outbox that sends to memory, and the sample business's invoice."""

from __future__ import annotations

from datetime import date

from core.documents.model import Document, DocumentType
from core.outbox import Outbox
from core.transport.memory import MemoryTransport
from storage.sample import seed_sample_data
from ui.services import Services, build_services


def use_memory_outbox(services: Services, transport: MemoryTransport, *, paced: bool = False) -> Outbox:
    """Call before the app starts (before app_user): the app's startup uses the outbox it finds. Unpaced unless
    asked, so a page test sending several emails does not wait out the default sending limits."""
    memory = build_services(services.folder, lambda _s: transport, paced=paced)
    services.outbox, services.batches, services.reminders = memory.outbox, memory.batches, memory.reminders
    return services.outbox


def first_invoice(services: Services) -> Document:
    seed_sample_data(services.folder, today=date(2026, 11, 28))
    return next(d for d in services.folder.documents.all() if d.type is DocumentType.SALES_INVOICE)
