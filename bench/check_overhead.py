"""What the step-by-step settings test costs over a bare aiosmtplib session, and how fast its steps reach the page.

1. The full check (STARTTLS, AUTH, send) against a local aiosmtpd, against a bare aiosmtplib
   connect/starttls/login/send/quit of the same test message, in shuffled order, in the same run. Aim: <= 1.15x.
   Two bare baselines: aiosmtplib's defaults (a fresh TLS context, so a fresh load of the trust store, per
   connection: what a script does) and one TLS context reused for every session (what the check does: it loads the
   trust store once per process). The second is the strict comparison: both sides then do the same TLS work.
   With a sign-in (Sign in with Microsoft/Google): the full check with a cached access token (token step + XOAUTH2)
   against a bare aiosmtplib `auth_xoauth2` session. Aim: <= 1.15x. Fair on both counts the run prints: the bare
   session uses the check's own TLS context (core/transport/tls.py: the same object, so the same trust store,
   TLS 1.2 at least, host name checked), and it sends the same test message, built per session with Mailroom's
   builder as every send builds it (fresh Date and Message-ID) and handed to aiosmtplib as bytes, as sending does.
   The same session with the message built once before the timing is shown too: the check cannot do that.
2. In Chromium (when installed): the delay from the SMTP server answering RCPT to the Recipient step's line
   appearing on the page of a running `python main.py`. Aim: < 100 ms on loopback.

Run: `.venv/bin/python bench/check_overhead.py [--rounds N] [--no-browser]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiosmtplib  # noqa: E402

from core.diagnostics.events import Verdict  # noqa: E402
from core.diagnostics.probe import Timeouts  # noqa: E402
from core.diagnostics.runner import compose_test_email, run_checks  # noqa: E402
from core.message import OutgoingMessage, build_mime  # noqa: E402
from core.oauth.tokens import TokenCache  # noqa: E402
from core.oauth.values import TokenSet  # noqa: E402
from core.settings import AuthMethod, EmailSettings, Security  # noqa: E402
from core.transport.tls import smtp_context  # noqa: E402
from tests.support.certs import TestPKI  # noqa: E402
from tests.support.fake_oauth import jwt  # noqa: E402
from tests.support.smtp_servers import Recorder, ServerInfo, threaded_smtp_server  # noqa: E402

USER = 'owner@example.com'
PASSWORD = 'bench-password-123'
# Shaped like Microsoft's: a JWT of about 2 kB (Google's are opaque and shorter). Its length matters: the check hides
# every form of it in the transcript.
ACCESS_TOKEN = jwt({'aud': 'https://outlook.office.com', 'upn': USER, 'scp': 'SMTP.Send', 'claims': 'x' * 1400})


async def full_check(settings: EmailSettings, tokens: TokenCache | None = None) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run_checks to its verdict."""
    began, cpu = time.perf_counter(), time.process_time()
    async with contextlib.aclosing(run_checks(settings, timeouts=Timeouts(), tokens=tokens)) as events:
        async for item in events:
            if isinstance(item, Verdict) and not item.passed:
                raise RuntimeError(f'the check failed: {item.message}')
    return time.perf_counter() - began, time.process_time() - cpu


async def bare_session(
    server: ServerInfo,
    message: EmailMessage | OutgoingMessage,
    tls_context: ssl.SSLContext | None = None,
    *,
    xoauth2: bool = False,
) -> tuple[float, float]:
    """What a script would write; without `tls_context`, aiosmtplib makes a fresh default one per connection. With
    `xoauth2`, a script that already holds an access token signs in with aiosmtplib's own XOAUTH2. An EmailMessage
    built beforehand is flattened by aiosmtplib; an OutgoingMessage is built here, as sending builds it."""
    began, cpu = time.perf_counter(), time.process_time()
    client = aiosmtplib.SMTP(
        hostname=server.host, port=server.port, start_tls=True, timeout=10, tls_context=tls_context
    )
    await client.connect()
    await (client.auth_xoauth2(USER, ACCESS_TOKEN) if xoauth2 else client.login(USER, PASSWORD))
    if isinstance(message, EmailMessage):
        await client.send_message(message)
    else:
        built = build_mime(message)
        await client.sendmail(built.envelope_from, built.envelope_recipients, built.data)
    await client.quit()
    return time.perf_counter() - began, time.process_time() - cpu


def signed_in(server: ServerInfo) -> tuple[EmailSettings, TokenCache]:
    """Settings that sign in with Microsoft, with an access token in the cache (no provider is asked)."""
    settings = EmailSettings(
        host=server.host,
        port=server.port,
        security=Security.STARTTLS,
        username=USER,
        auth=AuthMethod.OAUTH,
        oauth_client_id='bench-client',
        oauth_refresh_token='bench-refresh-token',
    )
    tokens = TokenCache()
    token = TokenSet(ACCESS_TOKEN, int(time.time()) + 3600, 'bench-refresh-token', account=USER)
    tokens.remember(settings, token)
    return settings, tokens


# The server runs in its own process, as a real one would: it must not compete with the client for the GIL.
_SERVER = """
import asyncio, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tests.support.certs import CertPair
from tests.support.smtp_servers import smtp_server

async def main():
    cert = CertPair(Path(sys.argv[2]), Path(sys.argv[3]))
    token = sys.argv[6]
    async with smtp_server(
        tls='starttls', cert=cert, accounts={sys.argv[4]: sys.argv[5]}, check_token=lambda user, t: t == token
    ) as server:
        print(server.port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""


@contextlib.contextmanager
def server_process(pki: TestPKI) -> Iterator[ServerInfo]:
    cert = pki.good()
    process = subprocess.Popen(
        [
            sys.executable,
            '-c',
            _SERVER,
            str(ROOT),
            str(cert.cert_path),
            str(cert.key_path),
            USER,
            PASSWORD,
            ACCESS_TOKEN,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield ServerInfo('127.0.0.1', port, Recorder())
    finally:
        process.terminate()
        process.wait(10)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Forward bytes one way, each chunk `delay` seconds late, in order."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await queue.get()
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    delivery = asyncio.create_task(deliver())
    while data := await reader.read(65536):
        queue.put_nowait((time.perf_counter() + delay, data))
    queue.put_nowait((time.perf_counter() + delay, b''))
    await delivery


@contextlib.asynccontextmanager
async def delayed(server: ServerInfo, rtt_ms: float) -> AsyncIterator[ServerInfo]:
    """A proxy that makes loopback look like a network with the given round-trip time."""

    async def connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(server.host, server.port)
        delay = rtt_ms / 2000
        # Cancelled at shutdown: end quietly, asyncio's stream callback would otherwise report the cancellation.
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            await asyncio.gather(_pump(reader, up_writer, delay), _pump(up_reader, writer, delay))

    proxy = await asyncio.start_server(connect, '127.0.0.1', 0)
    try:
        yield ServerInfo('127.0.0.1', int(proxy.sockets[0].getsockname()[1]), server.recorder)
    finally:
        proxy.close()


async def measure_overhead(rounds: int, pki: TestPKI, rtt_ms: float = 0.0) -> None:
    with server_process(pki) as direct:
        async with contextlib.AsyncExitStack() as stack:
            server = await stack.enter_async_context(delayed(direct, rtt_ms)) if rtt_ms else direct
            await _compare(server, rounds, f'{rtt_ms:g} ms simulated round trip' if rtt_ms else 'loopback')


async def _compare(server: ServerInfo, rounds: int, network: str) -> None:
    settings = EmailSettings(
        host=server.host, port=server.port, security=Security.STARTTLS, username=USER, password=PASSWORD
    )
    # The very message the check sends, built once: a script holds an EmailMessage, which aiosmtplib flattens per send.
    message = build_mime(compose_test_email(settings, USER, 'Mailroom')).mime
    reused = smtp_context(verify=True)  # the check's own context: same trust store, same policy, loaded once
    contenders: dict[str, Callable[[], Awaitable[tuple[float, float]]]] = {
        'full check (STARTTLS, AUTH, send)': lambda: full_check(settings),
        'bare aiosmtplib, its defaults (fresh TLS context)': lambda: bare_session(server, message),
        'bare aiosmtplib, one reused TLS context': lambda: bare_session(server, message, reused),
    }
    await _race(contenders, rounds, network, ('aiosmtplib defaults', 'reused TLS context (strict)'))
    oauth, tokens = signed_in(server)
    outgoing = compose_test_email(oauth, USER, 'Mailroom')
    prebuilt = build_mime(outgoing).mime
    xoauth2: dict[str, Callable[[], Awaitable[tuple[float, float]]]] = {
        'full check with a sign-in (cached token, XOAUTH2)': lambda: full_check(oauth, tokens),
        'bare aiosmtplib XOAUTH2, same TLS context, message built per session': lambda: bare_session(
            server, outgoing, reused, xoauth2=True
        ),
        'bare aiosmtplib XOAUTH2, same TLS context, message built before the timing': lambda: bare_session(
            server, prebuilt, reused, xoauth2=True
        ),
    }
    await _race(
        xoauth2,
        rounds,
        network,
        ('XOAUTH2, same context and message building (fair)', 'XOAUTH2, message built before the timing (no aim)'),
        aims=(1.15, None),
    )


async def _race(
    contenders: dict[str, Callable[[], Awaitable[tuple[float, float]]]],
    rounds: int,
    network: str,
    labels: tuple[str, ...],
    aims: tuple[float | None, ...] | None = None,
) -> None:
    """The first contender against each of the others, in a fresh shuffled order every round."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
    order = list(contenders)
    shuffle = random.Random(3).shuffle
    for round_number in range(5 + rounds):  # 5 warm-up rounds: imports, caches, the first TLS contexts
        shuffle(order)  # a fresh order each round, so that load from elsewhere and GC hit every contender alike
        for name in order:
            result = await contenders[name]()
            if round_number >= 5:
                runs[name].append(result)
    wall = {name: _quartiles([t for t, _ in results]) for name, results in runs.items()}
    cpu = {name: statistics.median(c for _, c in results) * 1000 for name, results in runs.items()}
    for name in contenders:
        low, median, high = wall[name]
        print(
            f'[{network}] {name}, median of {rounds}: {median:.2f} ms wall (quartiles {low:.2f}-{high:.2f}), '
            f'{cpu[name]:.2f} ms CPU'
        )
    check, *bares = contenders
    for bare, label, aim in zip(bares, labels, aims or (1.15,) * len(bares), strict=True):
        goal = f' (aim <= {aim:g}x)' if aim else ''
        print(
            f'[{network}] ratio check / bare, {label}: {wall[check][1] / wall[bare][1]:.2f}x wall{goal}, '
            f'{cpu[check] / cpu[bare]:.2f}x CPU'
        )


def _quartiles(seconds: list[float]) -> tuple[float, float, float]:
    low, median, high = statistics.quantiles(seconds, n=4)
    return low * 1000, median * 1000, high * 1000


def measure_page_latency(rounds: int, pki: TestPKI) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_FLAGS, chromium_path, open_page, start_app, stop_app

    path = chromium_path()
    if not path:
        print('page latency: skipped (Debian chromium is not installed)')
        return
    os.environ['SSL_CERT_FILE'] = str(pki.ca_path)
    delays: list[float] = []
    with (
        tempfile.TemporaryDirectory() as data_dir,
        threaded_smtp_server(tls='starttls', cert=pki.good(), accounts={USER: PASSWORD}, rcpt_delay=0.3) as server,
    ):
        app = start_app(Path(data_dir), '--empty')
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
                page = browser.new_page()
                open_page(page, f'{app.url}/settings')
                page.get_by_label('SMTP server').fill(server.host)
                page.get_by_label('Port', exact=True).fill(str(server.port))
                page.get_by_label('Username').fill(USER)
                page.get_by_label('Password').fill(PASSWORD)
                for _ in range(rounds):
                    page.evaluate(_WATCH_RECIPIENT_LINE)
                    before = len(server.recorder.answered)
                    page.get_by_role('button', name='Test email settings').click()
                    shown_at = page.wait_for_function('window.__recipientShownAt', timeout=15_000).json_value()
                    page.get_by_text('Your email settings work').wait_for()
                    answered = [t for command, t in server.recorder.answered[before:] if command == 'RCPT']
                    delays.append(float(shown_at) / 1000 - answered[-1])
                browser.close()
        finally:
            stop_app(app)
    median = statistics.median(delays) * 1000
    print(
        f'page latency, RCPT answered by the server -> Recipient line on the page, median of {rounds}: '
        f'{median:.1f} ms (max {max(delays) * 1000:.1f} ms; aim < 100 ms)'
    )


# Records (wall clock, ms) when the finished Recipient step's message appears in the page.
_WATCH_RECIPIENT_LINE = """() => {
  window.__recipientShownAt = null;
  const lines = () => [...document.querySelectorAll('div')].filter(
    d => d.childElementCount === 0 && /^Recipient .* accepted\\.$/.test(d.textContent));
  const old = new Set(lines());
  const observer = new MutationObserver(() => {
    if (window.__recipientShownAt === null && lines().some(d => !old.has(d))) {
      window.__recipientShownAt = Date.now();
      observer.disconnect();
    }
  });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def _trust_store_load_ms() -> float:
    """Measured before SSL_CERT_FILE points at the test CA: what a real machine's store costs."""
    costs = []
    for _ in range(5):
        began = time.process_time()
        ssl.create_default_context()
        costs.append(time.process_time() - began)
    return statistics.median(costs) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rounds', type=int, default=40)
    parser.add_argument('--page-rounds', type=int, default=5)
    parser.add_argument('--rtt-ms', type=float, default=20.0, help='also measure through a delaying proxy (0: off)')
    parser.add_argument('--no-browser', action='store_true')
    args = parser.parse_args()
    print(
        f'loading the system trust store (ssl.create_default_context): {_trust_store_load_ms():.1f} ms CPU; '
        'aiosmtplib by default pays it per connection, the check once per process'
    )
    with tempfile.TemporaryDirectory() as directory:
        pki = TestPKI(Path(directory))
        os.environ['SSL_CERT_FILE'] = str(pki.ca_path)
        asyncio.run(measure_overhead(args.rounds, pki))
        if args.rtt_ms:
            asyncio.run(measure_overhead(max(10, args.rounds // 4), pki, args.rtt_ms))
        if not args.no_browser and shutil.which('chromium') is not None:
            measure_page_latency(args.page_rounds, pki)
    return 0


if __name__ == '__main__':
    sys.exit(main())
