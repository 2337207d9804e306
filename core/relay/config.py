"""Relay configuration from the command line's values, environment variables (MAILROOM_RELAY_*) and a TOML file.

Secrets (the upstream password and the API tokens) come only from the environment or from files, never from argv,
where any user of the machine could read them with `ps`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core import addresses
from core.relay.limits import MEMORY, REDIS_SCHEMES
from core.settings import EmailSettings, Security

ENV_PREFIX = 'MAILROOM_RELAY_'
PASSWORD_ENV = f'{ENV_PREFIX}UPSTREAM_PASSWORD'
TOKENS_ENV = f'{ENV_PREFIX}TOKENS'


class ConfigError(ValueError):
    """The relay cannot start with this configuration; the text says which setting and what to do."""


@dataclass(frozen=True)
class Limits:
    """Safe defaults against abuse; every one can be changed."""

    max_recipients: int = 10
    max_message_bytes: int = 10_000_000
    max_attachments: int = 10
    ip_per_minute: float = 30.0
    ip_burst: int = 10
    reply_to_per_hour: float = 100.0
    reply_to_burst: int = 20
    token_per_hour: float = 300.0
    token_burst: int = 30


@dataclass(frozen=True)
class RelayConfig:
    upstream: EmailSettings
    sender: str
    sender_label: str = 'via Mailroom Relay'
    tokens: frozenset[str] = field(default=frozenset(), repr=False)
    limits: Limits = Limits()
    retries: int = 3
    retry_delay: float = 1.0
    upstream_timeout: float = 30.0
    upstream_connections: int = 8
    max_upstream_sessions: int = 8
    upstream_wait: float = 10.0
    listen_host: str = '127.0.0.1'
    listen_port: int = 8025
    trusted_proxies: str = ''
    rate_limit_storage: str = field(default=MEMORY, repr=False)
    max_connections: int = 1000
    header_timeout: float = 10.0
    body_timeout: float = 60.0


@dataclass(frozen=True)
class Option:
    name: str
    convert: Callable[[str], Any]
    default: Any
    help: str

    @property
    def flag(self) -> str:
        return f'--{self.name.replace("_", "-")}'

    @property
    def metavar(self) -> str:
        if self.convert is _flag:
            return 'yes|no'
        return 'N' if self.convert in (int, float) else 'TEXT'

    @property
    def env(self) -> str:
        return f'{ENV_PREFIX}{self.name.upper()}'


def _flag(text: str) -> bool:
    value = str(text).strip().lower()
    if value in ('1', 'true', 'yes', 'on'):
        return True
    if value in ('0', 'false', 'no', 'off', ''):
        return False
    raise ValueError(f'expected true or false, got "{text}"')


OPTIONS = (
    Option('listen', str, '127.0.0.1:8025', 'address:port to serve on'),
    Option('upstream_host', str, '', 'upstream SMTP server name (required)'),
    Option('upstream_port', int, 587, 'upstream SMTP port'),
    Option('upstream_security', Security, Security.AUTO, 'auto, ssl, starttls or none'),
    Option('upstream_username', str, '', 'upstream SMTP username (empty: no sign-in)'),
    Option('upstream_password_file', str, '', f'file holding the upstream password (or set {PASSWORD_ENV})'),
    Option('upstream_skip_tls_verify', _flag, False, 'do not verify the upstream certificate (own server only)'),
    Option('upstream_timeout', float, 30.0, 'seconds to wait for the upstream server'),
    Option('upstream_connections', int, 8, 'upstream connections kept open between requests (0: none)'),
    Option('max_upstream_sessions', int, 8, 'upstream SMTP sessions open at once, at most'),
    Option('upstream_wait', float, 10.0, 'seconds a request waits for a free upstream session, then 503'),
    Option('sender', str, '', "the relay's own From address, one the upstream lets it send as (required)"),
    Option('sender_label', str, 'via Mailroom Relay', "added after the client's name in From"),
    Option('tokens_file', str, '', f'file with one API token per line (or set {TOKENS_ENV}, comma separated)'),
    Option('max_recipients', int, 10, 'recipients per message (to + cc + bcc)'),
    Option('max_message_bytes', int, 10_000_000, 'body plus attachments, in bytes'),
    Option('max_attachments', int, 10, 'attachments per message'),
    Option('ip_per_minute', float, 30.0, 'requests per minute per client IP (sustained)'),
    Option('ip_burst', int, 10, 'requests per client IP allowed at once'),
    Option('reply_to_per_hour', float, 100.0, 'messages per hour per reply_to address (sustained)'),
    Option('reply_to_burst', int, 20, 'messages per reply_to address allowed at once'),
    Option('token_per_hour', float, 300.0, 'messages per hour per API token (sustained)'),
    Option('token_burst', int, 30, 'messages per API token allowed at once'),
    Option('rate_limit_storage', str, MEMORY, 'memory, or redis://host:port to share the limits between relays'),
    Option('retries', int, 3, 'extra attempts after a temporary upstream failure'),
    Option('retry_delay', float, 1.0, 'seconds before the first retry; doubles each time'),
    Option('trusted_proxies', str, '', 'comma separated proxy IPs or networks whose X-Forwarded-For is believed'),
    Option('max_connections', int, 1000, 'client connections open at once (lowered to fit the descriptor limit)'),
    Option('header_timeout', float, 10.0, 'seconds a client has to send its request headers'),
    Option('body_timeout', float, 60.0, 'seconds a client has to send the whole message'),
)


def load_config(
    given: Mapping[str, Any], config_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> RelayConfig:
    """Given values (by option name, from the command line) win over the environment, which wins over the file,
    which wins over the defaults."""
    env = os.environ if environ is None else environ
    config_path = config_file or env.get(f'{ENV_PREFIX}CONFIG')
    from_file = _read_toml(Path(config_path)) if config_path else {}
    raw: dict[str, Any] = {}
    for option in OPTIONS:
        value = given.get(option.name)
        if value is None:
            value = env.get(option.env, from_file.get(option.name))
        try:
            raw[option.name] = option.default if value is None else option.convert(value)
        except ValueError as error:
            raise ConfigError(f'{option.flag}: {error}') from None
    if _has_password(given.get('rate_limit_storage') or from_file.get('rate_limit_storage', '')):
        raise ConfigError(
            '--rate-limit-storage: keep the Redis password off the command line and out of the config file; '
            f'set {ENV_PREFIX}RATE_LIMIT_STORAGE instead.'
        )
    return _build(raw, env)


def _has_password(url: str) -> bool:
    return bool(urlsplit(url).password) if '://' in url else False


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding='utf-8'))
    except OSError as error:
        raise ConfigError(f'cannot read the config file {path}: {error.strerror}') from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f'the config file {path} is not valid TOML: {error}') from None
    section = data.get('relay', data)
    if not isinstance(section, dict):
        raise ConfigError(f'the config file {path} must hold keys like upstream_host = "smtp.example.com"')
    for secret in ('upstream_password', 'tokens'):
        if secret in section:
            raise ConfigError(f'{path}: keep {secret} out of the config file; use {secret}_file or the environment.')
    known = {option.name for option in OPTIONS}
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f'{path}: unknown keys {", ".join(unknown)}')
    return {key: str(value) if not isinstance(value, str) else value for key, value in section.items()}


def _secret_file(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding='utf-8')
    except OSError as error:
        raise ConfigError(f'cannot read the {what} file {path}: {error.strerror}') from None


def _build(raw: dict[str, Any], env: Mapping[str, str]) -> RelayConfig:
    if not raw['upstream_host'].strip():
        raise ConfigError('--upstream-host is required: the SMTP server the relay delivers through.')
    if not raw['sender'].strip():
        raise ConfigError('--sender is required: the address the relay sends from (the upstream must allow it).')
    try:
        sender = addresses.parse(raw['sender']).envelope
    except addresses.AddressError as error:
        raise ConfigError(f'--sender: {error.problem}') from None
    password = env.get(PASSWORD_ENV, '')
    if raw['upstream_password_file']:
        password = _secret_file(raw['upstream_password_file'], 'password').strip('\r\n')
    if raw['upstream_username'] and not password:
        raise ConfigError(f'an upstream username needs a password: set {PASSWORD_ENV} or --upstream-password-file.')
    token_text = env.get(TOKENS_ENV, '')
    if raw['tokens_file']:
        token_text = _secret_file(raw['tokens_file'], 'tokens')
    tokens = frozenset(t.strip() for t in token_text.replace(',', '\n').splitlines() if t.strip())
    host, _, port = raw['listen'].rpartition(':')
    if not host or not port.isdigit():
        raise ConfigError(f'--listen: expected address:port such as 127.0.0.1:8025, got "{raw["listen"]}"')
    upstream = EmailSettings(
        host=raw['upstream_host'],
        port=raw['upstream_port'],
        security=raw['upstream_security'],
        username=raw['upstream_username'],
        email=sender,
        password=password,
        skip_tls_verify=raw['upstream_skip_tls_verify'],
        allow_plaintext=raw['upstream_security'] is Security.NONE,
    )
    for name in ('max_upstream_sessions', 'max_connections'):
        if raw[name] < 1:
            raise ConfigError(f'--{name.replace("_", "-")}: at least 1, got {raw[name]}')
    for name in ('upstream_wait', 'header_timeout', 'body_timeout'):
        if raw[name] <= 0:
            raise ConfigError(f'--{name.replace("_", "-")}: a number of seconds above 0, got {raw[name]}')
    limits = Limits(
        max_recipients=raw['max_recipients'],
        max_message_bytes=raw['max_message_bytes'],
        max_attachments=raw['max_attachments'],
        ip_per_minute=raw['ip_per_minute'],
        ip_burst=raw['ip_burst'],
        reply_to_per_hour=raw['reply_to_per_hour'],
        reply_to_burst=raw['reply_to_burst'],
        token_per_hour=raw['token_per_hour'],
        token_burst=raw['token_burst'],
    )
    return RelayConfig(
        upstream=upstream,
        sender=sender,
        sender_label=raw['sender_label'].strip(),
        tokens=tokens,
        limits=limits,
        retries=max(0, raw['retries']),
        retry_delay=max(0.0, raw['retry_delay']),
        upstream_timeout=raw['upstream_timeout'],
        upstream_connections=max(0, raw['upstream_connections']),
        max_upstream_sessions=raw['max_upstream_sessions'],
        upstream_wait=raw['upstream_wait'],
        listen_host=host.strip('[]'),
        listen_port=int(port),
        trusted_proxies=raw['trusted_proxies'],
        rate_limit_storage=_storage_url(raw['rate_limit_storage']),
        max_connections=raw['max_connections'],
        header_timeout=raw['header_timeout'],
        body_timeout=raw['body_timeout'],
    )


def _storage_url(text: str) -> str:
    url = text.strip() or MEMORY
    if url == MEMORY:
        return url
    parts = urlsplit(url)
    if not url.startswith(REDIS_SCHEMES) or not parts.hostname:
        raise ConfigError(f'--rate-limit-storage: expected memory or redis://host:port, got "{parts.scheme}://…"')
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise ConfigError(
            '--rate-limit-storage: the port after the host must be a number, as in redis://host:6379'
        ) from None
    return url
