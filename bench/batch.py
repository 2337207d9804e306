"""Batch email: what queueing costs on top of rendering, and how long the pacer spreads a batch.

1. Queueing 500 customer statements (render the email and the PDF, then record them in the outbox on disk, as the
   batch dialog does) against rendering them alone. Aim: at most 1.2x. The two alternate chunk by chunk, so a busy
   machine slows both alike, and which goes first alternates too (Typst may cache a repeated render).
2. The pacer's schedule for 500 one-recipient messages under Microsoft 365's limits (30 a minute, 10,000 recipients
   a day), computed with an injected start time rather than by waiting: it must finish no earlier than the limit
   allows (500 in full-minute bursts) and no later than 5 % past that, never with more than 30 in any minute.
Run: .venv/bin/python bench/batch.py [--count 500]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.batch import QUEUE_CHUNK, Batches, MemoryBatchStore, prepare
from core.documents.model import ContactKind
from core.documents.statement import Statement, build_statement
from core.outbox import Outbox, document_attachment
from core.pacing import MINUTE, Pacer, earliest_finish
from core.providers import SENDING_LIMITS
from core.sample_data import sample_business, sample_contacts, sample_documents
from core.templates import default_template
from core.transport import transport_for
from storage.email_log_repo import EmailLogRepository

QUEUE_AIM = 1.2
PACED = 500
ROUND = QUEUE_CHUNK // 4  # fewer per write than the dialog's (so no better than it), and more turns to alternate
FINISH_SLACK = 1.05


def statements(count: int) -> list[Statement]:
    """`count` distinct statements: the sample customers over periods ending on successive days."""
    today = date(2026, 11, 28)
    documents = sample_documents(today)
    customers = [c for c in sample_contacts() if c.kind is ContactKind.CUSTOMER]
    result = []
    for n in range(count):
        customer = customers[n % len(customers)]
        end = today - timedelta(days=n // len(customers))
        own = [d for d in documents if d.contact_id == customer.id]
        result.append(build_statement(customer, own, end - timedelta(days=90), end, 'EUR'))
    return result


def queueing(count: int) -> tuple[float, float]:
    """Both sides make each statement's email and PDF (what the batch dialog shows); the queueing side then records
    them in the outbox on disk, ROUND per write."""
    business = sample_business()
    template = default_template('customer_statement')
    with tempfile.TemporaryDirectory() as folder:
        outbox = Outbox(EmailLogRepository(Path(folder)), lambda: None, transport_for)
        batches = Batches(MemoryBatchStore(), outbox)
        batch = batches.begin(f'{count} statements')
        render_alone = queue = 0.0
        document_attachment(statements(1)[0], business, None)  # Typst's first start is not part of either side
        all_statements = statements(count)
        for number, first in enumerate(range(0, count, ROUND)):
            chunk = all_statements[first : first + ROUND]

            def render_only(chunk: list[Statement] = chunk) -> float:
                started = time.perf_counter()
                for statement in chunk:
                    prepare(statement, business, None, template)
                return time.perf_counter() - started

            def render_and_queue(chunk: list[Statement] = chunk) -> float:
                started = time.perf_counter()
                batches.add(batch, [prepare(statement, business, None, template) for statement in chunk])
                return time.perf_counter() - started

            if number % 2:
                queue += render_and_queue()
                render_alone += render_only()
            else:
                render_alone += render_only()
                queue += render_and_queue()
        assert len(outbox.log.all()) == count
    return render_alone, queue


def pacing(count: int) -> tuple[timedelta, timedelta, int]:
    limits = SENDING_LIMITS['microsoft365']
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    times = Pacer(limits).schedule(start, [1] * count)
    busiest = max(sum(1 for t in times if first <= t < first + MINUTE) for first in times)
    return times[-1] - start, earliest_finish(count, limits), busiest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--count', type=int, default=500)
    count = parser.parse_args().count
    render_alone, queue = queueing(count)
    ratio = queue / render_alone
    print(f'render {count} statements alone:            {render_alone:.2f} s')
    print(f'render and queue {count} statements:        {queue:.2f} s')
    print(f'queueing ratio: {ratio:.2f}x (aim <= {QUEUE_AIM}x) -> {"ok" if ratio <= QUEUE_AIM else "OVER"}')
    took, fastest, busiest = pacing(PACED)
    finish_ratio = took / fastest if fastest else 1.0
    within = fastest <= took <= fastest * FINISH_SLACK and busiest <= 30
    print(f'pacer, {PACED} messages under Microsoft 365 limits: last at {took}, the limit allows {fastest} at best')
    print(
        f'pacing ratio: {finish_ratio:.3f}x (aim 1.00-{FINISH_SLACK:.2f}x), busiest minute {busiest} -> '
        f'{"ok" if within else "OUT OF RANGE"}'
    )
    return 0 if ratio <= QUEUE_AIM and within else 1


if __name__ == '__main__':
    sys.exit(main())
