"""The dns and connect steps, shared by SMTP and HTTP: every address family tried, each attempt timed."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import time

from core.causes import Cause, Step
from core.diagnostics.probe import Probe, StepFailure, StepScope, step_failure
from core.i18n import N_, _, ngettext

_NOT_FOUND = frozenset({socket.EAI_NONAME, getattr(socket, 'EAI_NODATA', socket.EAI_NONAME)})
_FAMILIES = ((socket.AF_INET6, 'AAAA (IPv6)'), (socket.AF_INET, 'A (IPv4)'))


async def resolve(probe: Probe, host: str, port: int) -> list[str]:
    """The addresses to try, IPv6 and IPv4 interleaved; IP literals and localhost need no lookup."""
    if is_ip(host) or host.lower() == 'localhost':
        addresses = [host] if is_ip(host) else ['127.0.0.1', '::1']
        probe.skipped(Step.DNS, _('{host} needs no lookup.').format(host=host), {N_('Addresses'): ', '.join(addresses)})
        return addresses
    async with probe.step(Step.DNS, _('Looking up {host}').format(host=host)) as scope:
        began = time.perf_counter()
        loop = asyncio.get_running_loop()
        timeout = probe.budget(probe.timeouts.dns)
        lookups = [
            asyncio.wait_for(loop.getaddrinfo(host, port, family=f, type=socket.SOCK_STREAM), timeout)
            for f, _label in _FAMILIES
        ]
        results = await asyncio.gather(*lookups, return_exceptions=True)
        scope.details[N_('Lookup time')] = f'{(time.perf_counter() - began) * 1000:.0f} ms'
        found: list[list[str]] = []
        errors: list[BaseException] = []
        for (_family, label), result in zip(_FAMILIES, results, strict=True):
            if isinstance(result, BaseException):
                errors.append(result)
                scope.details[label] = (
                    _('none') if _not_found(result) else _('no answer ({reason})').format(reason=_reason(result))
                )
                found.append([])
                continue
            addresses = list(dict.fromkeys(str(info[4][0]) for info in result))
            scope.details[label] = ', '.join(addresses) or _('none')
            found.append(addresses)
        ordered = _interleave(found[0], found[1])
        if not ordered:
            if errors and all(_not_found(e) for e in errors):
                raise step_failure(
                    Step.DNS, Cause.DNS_NOT_FOUND, _('The name {host} does not exist.').format(host=host)
                )
            message = _('The name service did not answer for {host}.').format(host=host)
            raise step_failure(Step.DNS, Cause.DNS_FAILED, message)
        probe.transcript.info(_('{host} resolves to {addresses}').format(host=host, addresses=', '.join(ordered)))
        count = len(ordered)
        scope.ok(
            ngettext('{host} has {count} address.', '{host} has {count} addresses.', count).format(
                host=host, count=count
            )
        )
        return ordered


async def open_connection(
    probe: Probe, scope: StepScope, addresses: list[str], port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, str]:
    """`open_socket` as asyncio streams (for HTTP)."""
    sock, address = await open_socket(probe, scope, addresses, port)
    reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 20)
    return reader, writer, address


async def open_socket(probe: Probe, scope: StepScope, addresses: list[str], port: int) -> tuple[socket.socket, str]:
    """Try each address with its own timeout; the cause reflects the most telling failure."""
    outcomes: list[Cause] = []
    loop = asyncio.get_running_loop()
    for address in addresses:
        began = time.perf_counter()
        probe.transcript.info(_('Trying {address}:{port}...').format(address=address, port=port))
        family = socket.AF_INET6 if ':' in address else socket.AF_INET
        # IPPROTO_TCP named, as getaddrinfo names it for sending's own connections: asyncio switches Nagle's algorithm
        # off only for a socket that says it is TCP, and with it on, the EHLO after a TLS 1.3 handshake waited a
        # round trip for the handshake's last bytes to be acknowledged.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setblocking(False)
        try:
            async with asyncio.timeout(probe.budget(probe.timeouts.connect)):
                await loop.sock_connect(sock, (address, port))
        except TimeoutError:
            sock.close()
            outcomes.append(Cause.CONNECTION_TIMEOUT)
            _attempt(probe, scope, address, _('timed out after {elapsed}').format(elapsed=_ms(began)))
            continue
        except ConnectionRefusedError:
            sock.close()
            outcomes.append(Cause.CONNECTION_REFUSED)
            _attempt(probe, scope, address, _('refused ({elapsed})').format(elapsed=_ms(began)))
            continue
        except OSError as error:
            sock.close()
            outcomes.append(Cause.NETWORK_UNREACHABLE)
            reason = error.strerror or errno.errorcode.get(error.errno or 0, '')
            _attempt(probe, scope, address, _('unreachable: {reason}').format(reason=reason))
            continue
        except BaseException:
            sock.close()
            raise
        probe.transcript.info(
            _('Connected to {address}:{port} in {elapsed}').format(address=address, port=port, elapsed=_ms(began))
        )
        scope.details[address] = _('connected in {elapsed}').format(elapsed=_ms(began))
        return sock, address
    raise _connect_failure(outcomes, port, http=probe.http)


def _connect_failure(outcomes: list[Cause], port: int, *, http: bool = False) -> StepFailure:
    if Cause.CONNECTION_REFUSED in outcomes:
        refused = _('Nothing accepts connections on port {port} there.').format(port=port)
        return step_failure(Step.CONNECT, Cause.CONNECTION_REFUSED, refused)
    if Cause.CONNECTION_TIMEOUT in outcomes:
        if http:
            silent = _(
                'No answer on port {port} (filtered: check the HTTP server address, or a firewall or proxy on the way).'
            )
        elif port == 25:
            silent = _(
                'No answer on port {port} (filtered: your network or provider may block port 25 — try 587 or 465).'
            )
        else:
            silent = _('No answer on port {port} (filtered: try 587 or 465).')
        return step_failure(Step.CONNECT, Cause.CONNECTION_TIMEOUT, silent.format(port=port))
    return step_failure(Step.CONNECT, Cause.NETWORK_UNREACHABLE, _('This computer has no route to the server.'))


def _attempt(probe: Probe, scope: StepScope, address: str, outcome: str) -> None:
    probe.transcript.error(f'{address}: {outcome}')
    scope.details[address] = outcome


def _ms(began: float) -> str:
    return f'{(time.perf_counter() - began) * 1000:.0f} ms'


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _not_found(error: BaseException) -> bool:
    return isinstance(error, socket.gaierror) and error.errno in _NOT_FOUND


def _reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return _('timed out')
    return str(error.strerror) if isinstance(error, OSError) and error.strerror else type(error).__name__


def _interleave(first: list[str], second: list[str]) -> list[str]:
    result: list[str] = []
    for index in range(max(len(first), len(second))):
        result += first[index : index + 1] + second[index : index + 1]
    return result
