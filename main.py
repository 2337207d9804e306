"""Mailroom: start the web app (default), test the saved settings (`check`), sign in with a provider by a code
(`signin`), find settings for an address (`discover`) or run the HTTP relay (`relay`)."""

from __future__ import annotations

import argparse
import gc
import getpass
import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from storage.folder import DataFolder

DEFAULT_HOST = '127.0.0.1'
DEFAULT_PORT = 8080
WEB_PASSWORD_VARIABLE = 'MAILROOM_WEB_PASSWORD'


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir('mailroom', appauthor=False))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """In the terminal's language: `main` sets it before building the parser (argparse's own words stay English).

    Only `command`'s own options are added, its module imported then: the app's start loads no terminal command.
    """
    from core.i18n import _

    parser = argparse.ArgumentParser(
        prog='python main.py',
        description=_('Mailroom: email settings with a live test, and business documents emailed as PDFs.'),
    )
    parser.add_argument(
        '--data-dir',
        type=Path,
        default=default_data_dir(),
        help=_('folder for settings, documents and the email log (default: %(default)s)'),
    )
    parser.add_argument(
        '--host',
        default=DEFAULT_HOST,
        help=_('address the web app listens on (default: %(default)s, this computer only)'),
    )
    parser.add_argument('--port', type=int, default=DEFAULT_PORT, help=_('port of the web app (default: %(default)s)'))
    parser.add_argument(
        '--require-login',
        action='store_true',
        help=_('ask for the web password even on 127.0.0.1 (always asked when --host lets other computers in)'),
    )
    parser.add_argument('--no-browser', action='store_true', help=_('do not open a browser window on start'))
    parser.add_argument(
        '--empty',
        action='store_true',
        help=_('on first start, create an empty data folder instead of the sample business'),
    )
    commands = parser.add_subparsers(dest='command', metavar='COMMAND')
    check = commands.add_parser(
        'check', help=_('test the saved email settings from the terminal'), add_help=command == 'check'
    )
    _data_dir_after_command(check, _("the data folder whose saved settings are tested (default: the app's)"))
    signin = commands.add_parser(
        'signin', help=_('sign in with Microsoft by a code, for the saved email settings'), add_help=command == 'signin'
    )
    _data_dir_after_command(signin, _("the data folder whose settings get the sign-in (default: the app's)"))
    discover = commands.add_parser(
        'discover', help=_('find the email settings for an address'), add_help=command == 'discover'
    )
    relay = commands.add_parser('relay', help=_('run the HTTP email relay service'), add_help=command == 'relay')
    chosen = {'check': check, 'signin': signin, 'discover': discover, 'relay': relay}.get(command or '')
    if chosen is not None:
        importlib.import_module(f'cli.{command}').add_arguments(chosen)
    return parser


def _data_dir_after_command(parser: argparse.ArgumentParser, help_text: str) -> None:
    """`--data-dir` also after the command's name; left out, the one before it (or the default) holds."""
    parser.add_argument('--data-dir', type=Path, default=argparse.SUPPRESS, help=help_text)


def main(argv: list[str] | None = None) -> int:
    with collector_paused():
        from core.i18n import language_from_environment, using_language

        with using_language(language_from_environment()):  # the terminal's language; each web request sets its own
            return run_command(argv)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The app's start-up makes long-lived objects only (modules, classes, routes, catalogues): the garbage collector's
    passes over them, again and again as they pile up, find almost nothing to free and cost about a sixth of the time to
    the first page (bench/startup.py). So it is off while starting, until `resume_collection`; left as it was after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def resume_collection() -> None:
    """What start-up made is frozen, so later passes skip it, and collection resumes for the work that follows."""
    gc.freeze()
    gc.enable()


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """Twice: first to learn which command is run, then with that command's own options (and its --help)."""
    command = build_parser().parse_known_args(argv)[0].command
    return build_parser(command).parse_args(argv)


def run_command(argv: list[str] | None) -> int:
    args = parse_arguments(argv)
    if args.command is not None:
        resume_collection()  # a terminal command starts quickly anyway: only the app's start-up is spared
    if args.command == 'relay':
        from cli import relay as relay_cli

        return relay_cli.run(args)
    if args.command == 'discover':
        from cli import discover as discover_cli

        return discover_cli.run(args)
    from storage.folder import DataFolder, FolderInUseError
    from storage.secrets import DataFileError

    try:
        folder = DataFolder(args.data_dir)
    except FolderInUseError as error:
        print(f'mailroom: {error}', file=sys.stderr)
        return 3
    except DataFileError as error:
        print(f'mailroom: {error}', file=sys.stderr)
        return 2
    if args.command == 'check':
        from cli import check as check_cli

        try:
            settings = folder.settings
            return check_cli.run(
                args, settings.load_public(), settings.with_saved_secrets, settings.save_rotated_sign_in
            )
        finally:
            folder.close()
    if args.command == 'signin':
        from cli import signin as signin_cli

        try:
            return signin_cli.run(folder.settings)
        finally:
            folder.close()
    return run_app(args, folder)


def run_app(args: argparse.Namespace, folder: DataFolder) -> int:
    from core.i18n import _
    from ui.host_guard import is_loopback_host

    on_network = not is_loopback_host(args.host)
    require_login = on_network or args.require_login
    why = (
        _('with --host {host} other computers can reach it').format(host=args.host)
        if on_network
        else _('with --require-login')
    )
    if require_login and not web_password_ready(folder, why):
        folder.close()
        return 2
    if on_network:
        warning = _(
            'warning: listening on {host}, so other computers on your network can reach Mailroom. Anyone with the web '
            'password can read your documents and send email as your business, and plain HTTP carries the password '
            'and every page unencrypted: use this only on a network you trust.'
        ).format(host=args.host)
        print(f'mailroom: {warning}', file=sys.stderr)
    from nicegui import app, ui

    from core.i18n import load_catalogues
    from storage.sample import seed_sample_data
    from ui.app import build_app
    from ui.services import build_services

    seed_sample_data(folder, empty=args.empty)
    load_catalogues()
    services = build_services(folder)
    build_app(services, served_host=args.host, require_login=require_login)
    app.on_shutdown(folder.close)
    resume_collection()
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


def web_password_ready(folder: DataFolder, why: str) -> bool:
    """Set the web password from the environment or a terminal prompt if given; say how to set one if none is."""
    from core.i18n import _
    from storage.web_password import MINIMUM_LENGTH

    chosen = os.environ.get(WEB_PASSWORD_VARIABLE)
    if chosen is None and not folder.web_password.is_set() and sys.stdin.isatty():
        chosen = prompt_new_password(MINIMUM_LENGTH)
    if chosen is not None:
        if len(chosen) < MINIMUM_LENGTH:
            too_short = _(
                'not started: the web password in {variable} is too short. Set one of at least {count} characters.'
            ).format(variable=WEB_PASSWORD_VARIABLE, count=MINIMUM_LENGTH)
            print(f'mailroom: {too_short}', file=sys.stderr)
            return False
        if not folder.web_password.verify(chosen):
            folder.web_password.set(chosen)
    if folder.web_password.is_set():
        return True
    none_set = _(
        'not started: {why}, so Mailroom needs a web password first, and none is set. Start it once in a terminal to '
        'be asked for one, or set {variable} (at least {count} characters); it is stored hashed in the data folder. '
        'Or leave out --host to keep Mailroom on this computer only.'
    ).format(why=why, variable=WEB_PASSWORD_VARIABLE, count=MINIMUM_LENGTH)
    print(f'mailroom: {none_set}', file=sys.stderr)
    return False


def prompt_new_password(minimum_length: int) -> str | None:
    """Ask twice on the terminal; None when the person gives up (empty answer or Ctrl-D)."""
    from core.i18n import _

    print(
        _('Mailroom asks for a web password before it shows any page. Choose one now; it is stored hashed.'),
        file=sys.stderr,
    )
    try:
        while True:
            first = getpass.getpass(
                _('New web password (at least {count} characters, empty to stop): ').format(count=minimum_length)
            )
            if not first:
                return None
            if len(first) < minimum_length:
                print(_('Too short: use at least {count} characters.').format(count=minimum_length), file=sys.stderr)
            elif getpass.getpass(_('The same password again: ')) == first:
                return first
            else:
                print(_('The two passwords differ; type them again.'), file=sys.stderr)
    except EOFError:
        return None


if __name__ in {'__main__', '__mp_main__'}:
    sys.exit(main())
