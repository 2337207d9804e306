"""Thunderbird's autoconfig format (clientConfig 1.1), read for its outgoing SMTP servers only.

One reader for the bundled ISPDB files and for a domain's own autoconfig file. A file from the network is untrusted:
defusedxml refuses DTDs and entities (the "billion laughs" bomb), and a server that cannot be used safely (plain
text, unknown security) is left out rather than proposed.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from core.discovery.model import ServerSettings
from core.i18n import _
from core.settings import Security

_SOCKET_TYPES = {'SSL': Security.SSL, 'STARTTLS': Security.STARTTLS}
_PASSWORD_METHODS = frozenset({'password-cleartext', 'password-encrypted', 'plain', 'secure'})
OAUTH_ISSUERS = {'login.microsoftonline.com': 'Microsoft', 'accounts.google.com': 'Google'}
"""The OAuth issuers Mailroom can sign in with ("Sign in with …")."""


class ConfigError(ValueError):
    """The file is not a usable clientConfig document."""


@dataclass(frozen=True)
class ClientConfig:
    provider_id: str
    display_name: str
    domains: tuple[str, ...]
    servers: tuple[ServerSettings, ...]  # usable outgoing servers, in the file's order
    oauth_issuer: str = ''


def parse_client_config(data: bytes) -> ClientConfig:
    """Raises ConfigError for anything but a well-formed clientConfig without DTD or entities."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ParseError) as error:
        raise ConfigError(_('not a valid settings file ({error})').format(error=type(error).__name__)) from None
    if root.tag != 'clientConfig':
        raise ConfigError(_('not a settings file (its root is <{tag}>)').format(tag=root.tag))
    provider = root.find('emailProvider')
    if provider is None:
        raise ConfigError(_('the file names no email provider'))
    servers = tuple(s for s in (_server(e) for e in provider.findall('outgoingServer')) if s is not None)
    return ClientConfig(
        provider_id=provider.get('id', ''),
        display_name=_text(provider, 'displayName') or provider.get('id', ''),
        domains=tuple(d.lower() for d in (_text(e) for e in provider.findall('domain')) if d),
        servers=servers,
        oauth_issuer=_text(root, 'oAuth2/issuer').lower(),
    )


def _server(element: Element) -> ServerSettings | None:
    if element.get('type', 'smtp') != 'smtp':
        return None
    host = _text(element, 'hostname').lower().rstrip('.')
    port = _text(element, 'port')
    security = _SOCKET_TYPES.get(_text(element, 'socketType'))
    if not host or not port.isdigit() or not 0 < int(port) < 65536 or security is None:
        return None
    methods = {_text(e) for e in element.findall('authentication')}
    oauth = 'OAuth2' in methods
    return ServerSettings(
        host=host,
        port=int(port),
        security=security,
        username_template=_text(element, 'username'),
        oauth_only=oauth and not methods & _PASSWORD_METHODS,
        oauth_offered=oauth,
    )


def _text(element: Element, path: str = '') -> str:
    found = element.find(path) if path else element
    return (found.text or '').strip() if found is not None else ''
