"""`python main.py relay`: serve the relay with uvicorn; configuration problems end with exit code 2."""

from __future__ import annotations

import argparse
import logging
import sys

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

    from core.relay.app import build_app

    logging.basicConfig(
        level=log_level.upper(), format='%(asctime)s %(levelname)s %(name)s %(message)s', stream=sys.stderr
    )
    trusted = [ip.strip() for ip in config.trusted_proxies.split(',') if ip.strip()]
    print(
        f'mailroom relay: listening on http://{config.listen_host}:{config.listen_port}, '
        f'delivering via {config.upstream.host}:{config.upstream.port} as {config.sender}',
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(
        build_app(config),
        host=config.listen_host,
        port=config.listen_port,
        access_log=False,
        log_level=log_level,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        server_header=False,
    )


if __name__ == '__main__':
    parser = argparse.ArgumentParser(prog='python -m core.relay.cli', description='Mailroom Relay')
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))
