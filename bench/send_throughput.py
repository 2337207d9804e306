"""Emailing 500 documents, each with its PDF, to a local SMTP sink (STARTTLS + AUTH, as a provider's port 587).

Two ways in the same run, both through the outbox and the real SMTP transport: every due email over one reused
connection (`Outbox.run_due`), against one connection per message (`Outbox.attempt` each). Prints messages per
second for both and the ratio, plus the time to render the PDFs (done before either timing starts).
Run: .venv/bin/python bench/send_throughput.py [--count 500]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import ssl
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from core.documents.model import Document
from core.email_log import Draft, EmailLogStore, EmailStatus, MemoryEmailLog
from core.message import Attachment
from core.outbox import Outbox, document_attachment, document_draft
from core.sample_data import sample_business, sample_contacts, sample_documents
from core.settings import EmailSettings, Security
from core.templates import default_template, template_type
from core.transport import transport_for
from storage.email_log_repo import EmailLogRepository

USERNAME, PASSWORD = 'bench@mailroom.example', 'bench-password'
ROUNDS = 5
T = TypeVar('T')


class Sink:
    """Accepts every message and counts it; nothing is stored."""

    def __init__(self) -> None:
        self.received = 0
        self.connections = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received += 1
        return '250 2.0.0 Ok: queued'


def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USERNAME.encode(), PASSWORD.encode())
    return AuthResult(success=ok, auth_data=data if ok else None)


async def start_sink(sink: Sink, ca: trustme.CA) -> tuple[asyncio.Server, int]:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert('127.0.0.1', 'localhost').configure_cert(server_context)

    def factory() -> SMTP:
        sink.connections += 1
        return SMTP(
            sink,
            hostname='sink.bench.invalid',
            tls_context=server_context,
            require_starttls=True,
            authenticator=authenticate,
            auth_required=True,
            data_size_limit=50_000_000,
        )

    server = await asyncio.get_running_loop().create_server(factory, '127.0.0.1', 0)
    return server, int(server.sockets[0].getsockname()[1])


def prepared_emails(count: int) -> list[tuple[Draft, Attachment]]:
    """`count` distinct documents (the sample ones with fresh references), each with its own rendered PDF."""
    business = sample_business()
    contacts = {c.id: c for c in sample_contacts()}
    samples = list(sample_documents(date(2026, 11, 28)))
    emails = []
    for n in range(count):
        base: Document = samples[n % len(samples)]
        document = replace(base, id=f'bench-{n}', reference=f'{base.type.prefix}{n + 1:05d}')
        contact = contacts[document.contact_id]
        draft = document_draft(document, business, contact, default_template(template_type(document)))
        emails.append((draft, document_attachment(document, business, contact)))
    return emails


async def send_all(
    emails: list[tuple[Draft, Attachment]], settings: EmailSettings, *, reuse: bool, log: EmailLogStore | None = None
) -> float:
    outbox = Outbox(log or MemoryEmailLog(), lambda: settings, lambda s: transport_for(s, timeout=30))
    records = [outbox.enqueue(draft, [pdf]) for draft, pdf in emails]
    started = time.perf_counter()
    if reuse:
        results = await outbox.run_due()
    else:
        results = [await outbox.attempt(record.id) for record in records]
    elapsed = time.perf_counter() - started
    failed = [r for r in results if r.status is not EmailStatus.SENT]
    if failed or len(results) != len(emails):
        raise SystemExit(f'{len(failed)} emails failed, first: {failed[0].cause} {failed[0].reply}')
    return elapsed


def batches(items: list[T], rounds: int) -> list[list[T]]:
    size = max(1, len(items) // rounds)
    return [items[i : i + size] for i in range(0, size * rounds, size)]


async def run(count: int) -> None:
    ca = trustme.CA()
    with tempfile.TemporaryDirectory() as folder:
        ca_file = Path(folder) / 'ca.pem'
        ca.cert_pem.write_to_path(str(ca_file))
        os.environ['SSL_CERT_FILE'] = str(ca_file)  # the transport trusts the system store, which honours this
        rendering = time.perf_counter()
        emails = prepared_emails(count)
        rendering = time.perf_counter() - rendering
        sizes = sorted(len(pdf.data) for _draft, pdf in emails)
        sink = Sink()
        server, port = await start_sink(sink, ca)
        settings = EmailSettings(
            host='127.0.0.1', port=port, security=Security.STARTTLS, username=USERNAME, password=PASSWORD
        )
        timings: dict[bool, list[float]] = {True: [], False: []}
        on_disk: list[float] = []
        opened = {True: 0, False: 0}
        try:
            await send_all(emails[:10], settings, reuse=True)  # warm-up: imports, TLS, caches
            for n, batch in enumerate(batches(emails, ROUNDS)):
                # Alternate which way goes first, so a busy moment on the machine hurts both alike.
                for reuse in (n % 2 == 0, n % 2 != 0):
                    connections = sink.connections
                    elapsed = await send_all(batch, settings, reuse=reuse)
                    timings[reuse].append(len(batch) / elapsed)
                    opened[reuse] += sink.connections - connections
                # The same, with the log in a data folder (fsynced writes), as the app runs it.
                log = EmailLogRepository(Path(folder) / f'log-{n}')
                on_disk.append(len(batch) / await send_all(batch, settings, reuse=True, log=log))
        finally:
            server.close()
            await server.wait_closed()
    per_message, reused = statistics.median(timings[False]), statistics.median(timings[True])
    print(f'{count} documents, PDF each (median {sizes[len(sizes) // 2] // 1000} KB), rendered in {rendering:.2f} s')
    print(f'{ROUNDS} alternating rounds of {count // ROUNDS}; median messages per second:')
    print(f'  one connection per message (connect, STARTTLS, AUTH each): {per_message:7.1f}')
    print(f'  reused connection (Outbox.run_due, one session):           {reused:7.1f}')
    print(f'ratio (reused / per message): {reused / per_message:.2f}x')
    print(f'  (reused, with the log in a data folder on disk:            {statistics.median(on_disk):7.1f})')
    print(f'connections: {opened[False]} one per message, {opened[True]} reused; received: {sink.received}')


def main() -> int:
    logging.getLogger('mail.log').setLevel(logging.ERROR)  # aiosmtpd's per-session deprecation notices
    parser = argparse.ArgumentParser(description='Emailing documents: reused connection vs one per message.')
    parser.add_argument('--count', type=int, default=500)
    asyncio.run(run(parser.parse_args().count))
    return 0


if __name__ == '__main__':
    sys.exit(main())
