"""`python main.py relay`: its flags, then the relay served with uvicorn; a bad configuration ends with exit code 2."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.relay import config as relay_config
from core.relay.config import OPTIONS, PASSWORD_ENV, TOKENS_ENV, ConfigError, RelayConfig


class _RefuseSecret(argparse.Action):
    """A secret typed on the command line is visible to every user of the machine: refuse it, never echo it."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        parser.error(f'{self.option_strings[0]} is not accepted on the command line; {self.help}')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--config', type=Path, default=None, help='TOML file with the same keys as these flags')
    parser.add_argument(
        '--upstream-password',
        action=_RefuseSecret,
        help=f'set {PASSWORD_ENV} or use --upstream-password-file.',
    )
    parser.add_argument('--tokens', '--token', action=_RefuseSecret, help=f'set {TOKENS_ENV} or use --tokens-file.')
    for option in OPTIONS:
        parser.add_argument(
            option.flag,
            dest=f'relay_{option.name}',
            metavar=option.metavar,
            default=None,
            help=f'{option.help} [{option.env}]',
        )
    parser.add_argument('--log-level', default='info', choices=('debug', 'info', 'warning', 'error'))


def load_config(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> RelayConfig:
    """The configuration from the parsed flags, the environment and the config file (see core/relay/config.py)."""
    given = {option.name: getattr(args, f'relay_{option.name}', None) for option in OPTIONS}
    return relay_config.load_config(given, getattr(args, 'config', None), environ)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args)
    except ConfigError as error:
        print(f'mailroom relay: {error}', file=sys.stderr)
        return 2
    serve(config, log_level=getattr(args, 'log_level', 'info'))
    return 0


def serve(config: RelayConfig, *, log_level: str = 'info') -> None:
    import uvicorn

    from cli.relay_app import build_app
    from cli.relay_server import connection_cap, uvicorn_config

    logging.basicConfig(
        level=log_level.upper(), format='%(asctime)s %(levelname)s %(name)s %(message)s', stream=sys.stderr
    )
    server_config = uvicorn_config(build_app(config), config, log_level=log_level)
    limits_in = 'memory' if config.rate_limit_storage == 'memory' else f'Redis at {_where(config.rate_limit_storage)}'
    print(
        f'mailroom relay: listening on http://{config.listen_host}:{config.listen_port}, '
        f'delivering via {config.upstream.host}:{config.upstream.port} as {config.sender}; '
        f'at most {connection_cap(config)} client connections and '
        f'{config.max_upstream_sessions} upstream sessions; rate limits in {limits_in}',
        file=sys.stderr,
        flush=True,
    )
    uvicorn.Server(server_config).run()


def _where(url: str) -> str:
    """host:port of a storage URL, without any password in it."""
    parts = urlsplit(url)
    return f'{parts.hostname}:{parts.port or 6379}'


if __name__ == '__main__':
    parser = argparse.ArgumentParser(prog='python -m cli.relay', description='Mailroom Relay')
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))
