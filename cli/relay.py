"""`python main.py relay`: serve the relay with uvicorn; configuration problems end with exit code 2."""

from __future__ import annotations

import argparse
import logging
import sys
from urllib.parse import urlsplit

from core.relay.config import ConfigError, RelayConfig, add_config_arguments, load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_arguments(parser)
    parser.add_argument('--log-level', default='info', choices=('debug', 'info', 'warning', 'error'))


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
