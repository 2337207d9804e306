"""The domain's own settings file (Thunderbird's autoconfig), fetched over HTTPS only.

A file fetched over plain HTTP could be forged by anyone on the network path to steer the password to their server,
so plain HTTP is never asked and a redirect to it is not followed. The file is size-capped before it is parsed,
redirects are followed one by one up to a bound, and the certificate is checked with Mailroom's TLS context.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from core.discovery.config_xml import ClientConfig, ConfigError, parse_client_config
from core.discovery.local import proposal_from_config
from core.discovery.model import Source
from core.discovery.proposals import Answer, SourceUnavailable
from core.i18n import _

if TYPE_CHECKING:
    import httpx

MAX_BYTES = 100_000
MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class Refused(Exception):
    """This URL gave no usable file; the message says why, in plain words (`unavailable`: it could not be asked)."""

    def __init__(self, message: str, *, unavailable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.unavailable = unavailable


def autoconfig_urls(address: str, domain: str) -> tuple[tuple[str, dict[str, str]], ...]:
    return (
        (f'https://autoconfig.{domain}/mail/config-v1.1.xml', {'emailaddress': address}),
        (f'https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml', {}),
    )


async def ask_autoconfig(address: str, domain: str, client: httpx.AsyncClient) -> Answer:
    """Both places asked at once; the first in order that holds a usable file wins. "Could not check" only when
    neither could be asked."""
    urls = autoconfig_urls(address, domain)
    outcomes = await asyncio.gather(*(usable_file(client, url, params) for url, params in urls))
    for outcome in outcomes:
        if isinstance(outcome, tuple):
            final_url, config = outcome
            detail = _('the settings file at {url}').format(url=final_url)
            found = _('Found {url}.').format(url=final_url)
            return Answer(proposal_from_config(config, address, Source.AUTOCONFIG, detail), found)
    reasons = ' '.join(refused.message for refused in outcomes if isinstance(refused, Refused))
    if all(isinstance(refused, Refused) and refused.unavailable for refused in outcomes):
        raise SourceUnavailable(reasons)
    return Answer(None, reasons)


async def usable_file(
    client: httpx.AsyncClient, url: str, params: dict[str, str]
) -> tuple[str, ClientConfig] | Refused:
    """The final URL and the settings of a file that names an encrypted outgoing server, or why there is none."""
    try:
        final_url, data = await fetch(client, url, params)
        config = parse_client_config(data)
    except Refused as refused:
        return refused
    except ConfigError as error:
        return Refused(_('{url}: {problem}; ignored.').format(url=url, problem=error))
    if not config.servers:
        return Refused(_('{url} names no encrypted outgoing server.').format(url=final_url))
    return final_url, config


async def fetch(client: httpx.AsyncClient, url: str, params: dict[str, str]) -> tuple[str, bytes]:
    """GET with redirects followed by hand (HTTPS only, at most MAX_REDIRECTS), the body cut off at MAX_BYTES."""
    import httpx

    current = httpx.URL(url, params=params)
    for _hop in range(MAX_REDIRECTS + 1):
        shown = str(current.copy_with(query=None))
        try:
            async with client.stream('GET', current) as response:
                if response.status_code in _REDIRECTS and 'location' in response.headers:
                    target = current.join(response.headers['location'])
                    if target.scheme != 'https':
                        raise Refused(_('{url} redirects to an unencrypted address; not followed.').format(url=shown))
                    current = target
                    continue
                if response.status_code != 200:
                    raise Refused(
                        _('{url}: none there (HTTP {status}).').format(url=shown, status=response.status_code)
                    )
                return shown, await _read_capped(response, shown)
        except httpx.TimeoutException:
            raise Refused(_('{url} did not answer in time.').format(url=shown), unavailable=True) from None
        except httpx.ConnectError as error:
            said = _('{url}: no server could be reached ({reason}).').format(url=shown, reason=_reason(error))
            raise Refused(said) from None
        except httpx.HTTPError as error:
            said = _('{url}: the answer broke off ({error}).').format(url=shown, error=type(error).__name__)
            raise Refused(said, unavailable=True) from None
    raise Refused(_('{url} redirects more than {count} times; not followed.').format(url=url, count=MAX_REDIRECTS))


async def _read_capped(response: httpx.Response, shown: str) -> bytes:
    declared = response.headers.get('content-length', '')
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise Refused(_too_large(shown))
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_BYTES:
            raise Refused(_too_large(shown))
    return bytes(body)


def _too_large(url: str) -> str:
    return _('{url} is larger than {size} KB; ignored.').format(url=url, size=MAX_BYTES // 1000)


def _reason(error: Exception) -> str:
    text = str(error)
    if 'CERTIFICATE_VERIFY_FAILED' in text:
        return _('its certificate is not valid')
    if 'Name or service not known' in text or 'nodename nor servname' in text or 'getaddrinfo failed' in text:
        return _('no such server name')
    if 'Connection refused' in text:
        return _('the connection was refused')
    return text[:120] or type(error).__name__
