"""Mailroom: start the web app (default), test the saved settings (`check`) or run the HTTP relay (`relay`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from storage.folder import DataFolder

DEFAULT_HOST = '127.0.0.1'
DEFAULT_PORT = 8080


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir('mailroom', appauthor=False))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='python main.py',
        description='Mailroom: email settings with a live test, and business documents emailed as PDFs.',
    )
    parser.add_argument(
        '--data-dir',
        type=Path,
        default=default_data_dir(),
        help='folder for settings, documents and the email log (default: %(default)s)',
    )
    parser.add_argument(
        '--host', default=DEFAULT_HOST, help='address the web app listens on (default: %(default)s, this computer only)'
    )
    parser.add_argument('--port', type=int, default=DEFAULT_PORT, help='port of the web app (default: %(default)s)')
    parser.add_argument('--no-browser', action='store_true', help='do not open a browser window on start')
    parser.add_argument(
        '--empty',
        action='store_true',
        help='on first start, create an empty data folder instead of the sample business',
    )
    commands = parser.add_subparsers(dest='command', metavar='COMMAND')
    from core import check_cli

    check = commands.add_parser('check', help='test the saved email settings from the terminal')
    check.add_argument(
        '--data-dir',
        type=Path,
        default=argparse.SUPPRESS,
        help="the data folder whose saved settings are tested (default: the app's)",
    )
    check_cli.add_arguments(check)
    from core.relay import cli as relay_cli

    relay_cli.add_arguments(commands.add_parser('relay', help='run the HTTP email relay service'))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == 'relay':
        from core.relay import cli as relay_cli

        return relay_cli.run(args)
    from storage.folder import DataFolder, FolderInUseError

    try:
        folder = DataFolder(args.data_dir)
    except FolderInUseError as error:
        print(f'mailroom: {error}', file=sys.stderr)
        return 3
    if args.command == 'check':
        from core import check_cli

        try:
            return check_cli.run(args, folder.settings.load())
        finally:
            folder.close()
    return run_app(args, folder)


def run_app(args: argparse.Namespace, folder: DataFolder) -> int:
    from nicegui import app, ui

    from storage.documents_repo import seed_sample_data
    from ui.app import build_app
    from ui.services import build_services

    seed_sample_data(folder, empty=args.empty)
    services = build_services(folder)
    build_app(services, served_host=args.host)
    app.on_shutdown(folder.close)
    ui.run(
        host=args.host,
        port=args.port,
        title='Mailroom',
        favicon='✉️',
        show=not args.no_browser,
        reload=False,
        show_welcome_message=True,
    )
    return 0


if __name__ in {'__main__', '__mp_main__'}:
    sys.exit(main())
