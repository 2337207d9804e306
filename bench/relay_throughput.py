"""Messages per second for 50 KB messages: through the relay (HTTP) against the app's direct SMTP, same run.

Everything is local: an aiosmtpd sink on 127.0.0.1 (in its own thread), the relay as a real process started with
`python main.py relay`, and Mailroom's own transports as the clients. Direct SMTP is measured both ways the app
can send: one connection reused for the batch and one connection per message. The relay keeps a few upstream
connections open between requests, and Mailroom keeps its HTTP connection alive, so "one connection reused" is the
fair baseline; the relay's extra cost is the HTTP hop, the form parsing and building the MIME message again.
The relay delivers to a sink of its own, which counts the SMTP sessions open at once (from connecting to QUIT, or
to the connection's end): that peak must stay at or under the relay's cap (--max-upstream-sessions, 8 by default),
however many clients send at the same time.
Run: .venv/bin/python bench/relay_throughput.py [--messages 200] [--concurrency 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import SMTP, Envelope, Session  # noqa: E402

from core.message import Attachment, OutgoingMessage, build_mime  # noqa: E402
from core.settings import EmailSettings, Protocol, Security  # noqa: E402
from core.transport import Sender  # noqa: E402
from core.transport.http import HttpTransport  # noqa: E402
from core.transport.smtp import SmtpTransport  # noqa: E402

MESSAGE_BYTES = 50_000
RELAY_CAP = 8  # the relay's default --max-upstream-sessions


class Sink:
    """Accepts everything and counts it, and the sessions open at once; nothing is stored but the sizes."""

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0
        self.open = 0
        self.peak = 0

    def opened(self) -> None:
        self.open += 1
        self.peak = max(self.peak, self.open)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        self.bytes += len(envelope.original_content or b'')
        return '250 OK: queued as SINK'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])


def messages(count: int) -> list[OutgoingMessage]:
    """Distinct 50 KB messages: a short HTML body and a PDF-sized attachment, as the Email button sends."""
    probe = OutgoingMessage(
        sender_name='Acme ehf.',
        sender_address='billing@acme.example',
        to=('anna@example.org',),
        subject='Invoice 0000',
        html_body='<p>Dear Anna,</p><p>Your invoice is attached.</p>',
        attachments=(Attachment('invoice.pdf', 'application/pdf', b''),),
    )
    overhead = len(build_mime(probe).as_bytes())
    payload = max(0, (MESSAGE_BYTES - overhead) * 3 // 4)  # base64 grows the attachment by a third
    result = []
    for n in range(count):
        data = os.urandom(payload)
        attachment = Attachment(f'invoice-{n:04d}.pdf', 'application/pdf', data)
        result.append(
            OutgoingMessage(
                sender_name=probe.sender_name,
                sender_address=probe.sender_address,
                to=probe.to,
                reply_to='office@acme.example',
                subject=f'Invoice {n:04d}',
                html_body=probe.html_body,
                attachments=(attachment,),
            )
        )
    return result


class CountingSMTP(SMTP):
    """A session counts from the connection until QUIT or the connection's end, whichever comes first."""

    counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._original_transport is None:
            self.event_handler.opened()
            self.counted = True
        super().connection_made(transport)

    async def smtp_QUIT(self, arg: str) -> None:
        self._end()
        await super().smtp_QUIT(arg)

    def connection_lost(self, error: Exception | None) -> None:
        self._end()
        super().connection_lost(error)

    def _end(self) -> None:
        if self.counted:
            self.counted = False
            self.event_handler.open -= 1


class CountingController(Controller):
    def factory(self) -> SMTP:
        return CountingSMTP(self.handler, **self.SMTP_kwargs)


@contextlib.contextmanager
def sink_server() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = CountingController(sink, hostname='127.0.0.1', port=port, data_size_limit=0)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@contextlib.contextmanager
def relay_process(sink_port: int) -> Iterator[str]:
    port = free_port()
    args = [
        sys.executable, 'main.py', 'relay', '--listen', f'127.0.0.1:{port}',
        '--upstream-host', '127.0.0.1', '--upstream-port', str(sink_port), '--upstream-security', 'none',
        '--sender', 'relay@relay.example', '--ip-per-minute', '1e9', '--ip-burst', '1000000',
        '--reply-to-per-hour', '1e12', '--reply-to-burst', '1000000', '--log-level', 'warning',
    ]  # fmt: skip
    env = {**os.environ, 'PYTHONPATH': str(ROOT)}
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f'http://127.0.0.1:{port}/'
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise SystemExit(f'the relay did not start: {process.stderr.read().decode() if process.stderr else ""}')
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f'{url}status', timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit('the relay did not answer /status within 20 s')
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


SessionFactory = Callable[[], contextlib.AbstractAsyncContextManager[Sender]]


async def run(batch: list[OutgoingMessage], open_session: SessionFactory, *, per_message: bool, workers: int) -> float:
    """Seconds to send the batch with `workers` concurrent senders, each on its own session."""
    queue: asyncio.Queue[OutgoingMessage] = asyncio.Queue()
    for message in batch:
        queue.put_nowait(message)

    async def worker() -> None:
        if per_message:
            while not queue.empty():
                message = queue.get_nowait()
                async with open_session() as session:
                    await session.send(message)
            return
        async with open_session() as session:
            while not queue.empty():
                await session.send(queue.get_nowait())

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return time.perf_counter() - began


async def main(count: int, workers: int, rounds: int) -> None:
    batch = messages(count)
    warmup = messages(5)
    size = len(build_mime(batch[0]).as_bytes())
    print(f'{count} messages of {size / 1000:.0f} KB each, {workers} concurrent sender(s), median of {rounds} rounds\n')
    with (
        sink_server() as (sink, sink_port),
        sink_server() as (relay_sink, relay_sink_port),
        relay_process(relay_sink_port) as relay_url,
    ):
        smtp = SmtpTransport(
            EmailSettings(host='127.0.0.1', port=sink_port, security=Security.NONE, allow_plaintext=True), timeout=30
        )
        http = HttpTransport(
            EmailSettings(protocol=Protocol.HTTP, http_server=relay_url, reply_to='office@acme.example'), timeout=30
        )
        cases: list[tuple[str, SessionFactory, bool]] = [
            ('direct SMTP, one connection reused', smtp.session, False),
            ('direct SMTP, one connection per message', smtp.session, True),
            ('relay over HTTP (keep-alive)', http.session, False),
        ]
        rates: dict[str, list[float]] = {label: [] for label, _, _ in cases}
        peaks: dict[str, int] = dict.fromkeys(rates, 0)
        for _label, factory, per_message in cases:
            await run(warmup, factory, per_message=per_message, workers=1)
        for _ in range(rounds):  # interleaved, so a busy moment on the machine hits every case alike
            for label, factory, per_message in cases:
                sink.peak = sink.open
                rates[label].append(count / await run(batch, factory, per_message=per_message, workers=workers))
                peaks[label] = max(peaks[label], sink.peak)
        peaks[cases[2][0]] = relay_sink.peak  # over the whole run: the relay's idle sessions count as well
        delivered = sink.count + relay_sink.count
    expected = (len(warmup) + count * rounds) * len(cases)
    assert delivered == expected, f'the sink received {delivered} messages, expected {expected}'
    median = {label: statistics.median(values) for label, values in rates.items()}
    for label, values in rates.items():
        spread = ', '.join(f'{v:.1f}' for v in values)
        print(f'{label:<42} {median[label]:8.1f} messages/s  (rounds: {spread}; peak SMTP sessions {peaks[label]})')
    relay = median['relay over HTTP (keep-alive)']
    peak = peaks['relay over HTTP (keep-alive)']
    print()
    verdict = 'within' if peak <= RELAY_CAP else 'OVER'
    print(f'peak upstream sessions through the relay: {peak} ({verdict} the cap of {RELAY_CAP})')
    print(f'relay / direct SMTP, {workers} connection(s) reused    : {relay / median[cases[0][0]]:.2f}x')
    print(f'relay / direct SMTP, one connection per message: {relay / median[cases[1][0]]:.2f}x')


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--messages', type=int, default=200)
    parser.add_argument('--concurrency', type=int, default=8)
    parser.add_argument('--rounds', type=int, default=3)
    options = parser.parse_args()
    asyncio.run(main(options.messages, options.concurrency, options.rounds))
