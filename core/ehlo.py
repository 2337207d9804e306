"""The name Mailroom introduces itself with in EHLO: this computer's FQDN, else an address literal.

Servers may refuse a bare `localhost` or a single-label name, so the settings test and real sending use the same rule.
"""

from __future__ import annotations

import asyncio
import socket
from functools import cache

from core.settings import host_error


def ehlo_name(fqdn: str, local_ip: str | None) -> str:
    """A dotted, valid, non-localhost FQDN as it is; otherwise `[192.0.2.1]` / `[IPv6:…]` for the local address."""
    if '.' in fqdn and not fqdn.lower().startswith('localhost') and host_error(fqdn) is None:
        return fqdn
    ip = local_ip or '127.0.0.1'
    return f'[IPv6:{ip}]' if ':' in ip else f'[{ip}]'


@cache
def _fqdn() -> str:
    return socket.getfqdn()


async def local_fqdn() -> str:
    """Looked up once per process and off the event loop: a reverse lookup can take seconds."""
    if _fqdn.cache_info().currsize:
        return _fqdn()
    return await asyncio.to_thread(_fqdn)
