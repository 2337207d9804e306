"""The ways a connection can change after its password was saved, and a capture server that records any AUTH.

Each case is (the settings the password was saved with, the connection now used). The capture server listens on
that new connection and accepts the saved password, so a test proves the password was never sent there.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace

from core.settings import EmailSettings, Security
from tests.support.certs import TestPKI
from tests.support.smtp_servers import ServerInfo, free_port, smtp_server, threaded_smtp_server

USER = 'owner@example.com'
SAVED_PASSWORD = 'saved-Pa55word-for-the-old-connection'


def saved_for(port: int, **changes: object) -> EmailSettings:
    base = EmailSettings(host='127.0.0.1', port=port, security=Security.STARTTLS, username=USER, password='')
    return replace(base, **changes)  # type: ignore[arg-type]


Case = Callable[[int], tuple[EmailSettings, EmailSettings]]

CASES: dict[str, Case] = {
    'host': lambda port: (saved_for(port, host='mail.example.com'), saved_for(port)),
    'port': lambda port: (saved_for(free_port()), saved_for(port)),
    'security-none': lambda port: (saved_for(port), saved_for(port, security=Security.NONE, allow_plaintext=True)),
    'skip-tls-verify': lambda port: (saved_for(port), saved_for(port, skip_tls_verify=True)),
    'username': lambda port: (saved_for(port, username='someone-else@example.com'), saved_for(port)),
}


@contextlib.asynccontextmanager
async def capture_server(pki: TestPKI) -> AsyncIterator[ServerInfo]:
    """STARTTLS offered, AUTH accepted even without it: whatever password arrives is recorded."""
    async with smtp_server(
        tls='starttls', cert=pki.good(), accounts={USER: SAVED_PASSWORD}, auth_require_tls=False
    ) as server:
        yield server


@contextlib.asynccontextmanager
async def case_on_capture_server(
    pki: TestPKI, case: str
) -> AsyncIterator[tuple[ServerInfo, EmailSettings, EmailSettings]]:
    """A capture server, and the case's (saved, target) settings with the target pointing at it."""
    async with capture_server(pki) as server:
        saved, target = CASES[case](server.port)
        yield server, saved, target


def nothing_sent(server: ServerInfo) -> bool:
    recorder = server.recorder
    sent = [a for a in recorder.auth_attempts if a.password == SAVED_PASSWORD]
    return not sent and not recorder.credentials_in_plaintext(SAVED_PASSWORD)


@contextlib.contextmanager
def threaded_capture_server(pki: TestPKI) -> Iterator[ServerInfo]:
    """The same capture server in its own thread, for the terminal command (which runs its own event loop)."""
    with threaded_smtp_server(
        tls='starttls', cert=pki.good(), accounts={USER: SAVED_PASSWORD}, auth_require_tls=False
    ) as server:
        yield server
