"""One narrow seam: `send(message) -> Receipt` over SMTP, HTTP or memory; `transport_for` picks from the settings.

Each transport lives in its own module with its client library (aiosmtplib, httpx); `transport_for` imports only the
one the settings ask for, when they first ask, so the app starts without loading either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.settings import EmailSettings, Protocol
from core.transport.base import Receipt, Sender, SessionTransport, Transport, TransportError

if TYPE_CHECKING:
    from core.oauth.tokens import TokenCache
    from core.transport.http import HttpTransport
    from core.transport.smtp import SmtpTransport

__all__ = ['Receipt', 'Sender', 'SessionTransport', 'Transport', 'TransportError', 'transport_for']


def transport_for(
    settings: EmailSettings, *, timeout: float = 30.0, tokens: TokenCache | None = None
) -> HttpTransport | SmtpTransport:
    """The transport the settings describe; the caller never needs to know which one it got. `tokens` keeps the
    access tokens of a sign-in with a provider between sessions (and saves rotated refresh tokens)."""
    if settings.protocol is Protocol.HTTP:
        from core.transport.http import HttpTransport

        return HttpTransport(settings, timeout=timeout)
    from core.transport.smtp import SmtpTransport

    return SmtpTransport(settings, timeout=timeout, tokens=tokens)
