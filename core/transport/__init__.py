"""One narrow seam: `send(message) -> Receipt` over SMTP, HTTP or memory; `transport_for` picks from the settings."""

from __future__ import annotations

from core.settings import EmailSettings, Protocol
from core.transport.base import Receipt, Sender, SessionTransport, Transport, TransportError
from core.transport.http import HttpTransport
from core.transport.memory import MemoryTransport
from core.transport.smtp import SmtpTransport

__all__ = [
    'HttpTransport',
    'MemoryTransport',
    'Receipt',
    'Sender',
    'SessionTransport',
    'SmtpTransport',
    'Transport',
    'TransportError',
    'transport_for',
]


def transport_for(settings: EmailSettings, *, timeout: float = 30.0) -> HttpTransport | SmtpTransport:
    """The transport the settings describe; the caller never needs to know which one it got."""
    if settings.protocol is Protocol.HTTP:
        return HttpTransport(settings, timeout=timeout)
    return SmtpTransport(settings, timeout=timeout)
