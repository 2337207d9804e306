"""The relay's HTTP server: uvicorn with a deadline for every request's headers and a cap on open connections.

uvicorn closes a keep-alive connection that stays silent, but one that sends its headers a byte at a time (or
trickles a body after its answer) is held for ever, and enough of them use up the process's file descriptors.
Here a connection waiting for a request has `header_timeout` seconds to send one, and at the connection cap the
connection that has waited longest is closed to make room, so a flood of slow clients cannot shut out real ones.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from core.relay.config import RelayConfig
from core.relay.limits import REDIS_CONNECTIONS

DESCRIPTORS_KEPT = 64  # for stdio, the listening socket, log files, uploads spooled to disk
MAX_HEADER_BYTES = 16_384


def connection_cap(config: RelayConfig) -> int:
    """`max_connections`, lowered so that clients can never take the descriptors upstream sessions need."""
    try:
        import resource
    except ImportError:  # not on Windows
        return config.max_connections
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return config.max_connections
    kept = DESCRIPTORS_KEPT + config.max_upstream_sessions + REDIS_CONNECTIONS
    return max(1, min(config.max_connections, soft - kept))


def bounded_protocol(*, header_timeout: float, max_connections: int) -> type[H11Protocol]:
    """uvicorn's h11 protocol with the deadline and the cap; `waiting` is shared by one server's connections."""
    waiting: dict[H11Protocol, asyncio.TimerHandle] = {}  # in arrival order, so the first has waited longest

    class BoundedH11Protocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > max_connections and waiting:
                _close(next(iter(waiting)))
            self._await_request()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_waiting()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            cycle = self.cycle
            super().handle_events()
            if self.cycle is not cycle:  # a request's headers are complete
                self._stop_waiting()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self.cycle.response_complete:  # no pipelined request began
                self._await_request()

        def _await_request(self) -> None:
            self._stop_waiting()
            waiting[self] = self.loop.call_later(header_timeout, _close, self)

        def _stop_waiting(self) -> None:
            if timer := waiting.pop(self, None):
                timer.cancel()

    def _close(protocol: H11Protocol) -> None:
        if timer := waiting.pop(protocol, None):
            timer.cancel()
        protocol.transport.close()
        # Uncounted at once rather than when the loss is reported, so a request arriving meanwhile is not refused.
        protocol.connections.discard(protocol)

    return BoundedH11Protocol


def uvicorn_config(app: Any, config: RelayConfig, *, log_level: str = 'info') -> uvicorn.Config:
    trusted = [ip.strip() for ip in config.trusted_proxies.split(',') if ip.strip()]
    cap = connection_cap(config)
    return uvicorn.Config(
        app,
        host=config.listen_host,
        port=config.listen_port,
        http=bounded_protocol(header_timeout=config.header_timeout, max_connections=cap),
        ws='none',
        limit_concurrency=cap + 1,  # uvicorn answers 503 only when no waiting connection could be closed
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        access_log=False,
        log_level=log_level,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        server_header=False,
    )
