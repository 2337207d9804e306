"""`python main.py check`: the settings test in the terminal, as lines for people or JSON lines for scripts."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TextIO

from core.causes import Cause, Step
from core.diagnostics.events import Status, StepEvent, Verdict, step_title
from core.diagnostics.probe import Timeouts
from core.i18n import _
from core.settings import SECRET_LABELS, SECURITY_LABELS, EmailSettings, Protocol, SecretUnavailable, Security

PASSWORD_ENV = 'MAILROOM_PASSWORD'
EXIT_PASS, EXIT_FAIL, EXIT_INVALID = 0, 1, 2
FLAGS = {
    'SMTP server': '--host',
    'Port': '--port',
    'Username': '--username',
    'Email address': '--email',
    'Reply-to email': '--reply-to',
    'HTTP server': '--http-server',
    'Send the test to': '--to',
}
"""The settings page's field names, which label the input step's details, and the flag that sets each one here."""
ICONS = {Status.OK: '✓', Status.WARN: '⚠', Status.FAIL: '✗', Status.SKIPPED: '–', Status.RUNNING: '…'}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = _(
        'Test the saved email settings (same --data-dir as the app). Each flag overrides one saved field. The password '
        'comes from the {variable} environment variable, the saved settings, or a prompt.'
    ).format(variable=PASSWORD_ENV)
    parser.add_argument('--protocol', choices=[p.value for p in Protocol], help=_('smtp or http'))
    parser.add_argument('--host', dest='smtp_host', metavar='HOST', help=_('SMTP server, e.g. smtp.gmail.com'))
    parser.add_argument('--port', dest='smtp_port', metavar='PORT', type=int, help=_('SMTP port: 465, 587 or 25'))
    parser.add_argument('--security', choices=[s.value for s in Security], help=_('auto, ssl, starttls or none'))
    parser.add_argument('--username', help=_('the name you sign in with (often your email address)'))
    parser.add_argument('--email', help=_('the sender address, when the username is not one'))
    parser.add_argument('--to', help=_('send the test email here (default: your own address)'))
    parser.add_argument('--no-verify-tls', action='store_true', help=_('do not verify the TLS certificate'))
    parser.add_argument('--http-server', help=_('address of the HTTP email service (protocol http)'))
    parser.add_argument('--reply-to', help=_('reply-to address (protocol http)'))
    parser.add_argument(
        '--no-send', action='store_true', help=_('check everything but send nothing (stops after RCPT)')
    )
    parser.add_argument('--timeout', type=float, metavar='SECONDS', help=_('time limit per step (default: per step)'))
    parser.add_argument('--json', action='store_true', help=_('one JSON object per event per line, then the verdict'))
    parser.add_argument('-v', '--verbose', action='store_true', help=_('show each step’s details and the transcript'))
    parser.add_argument(
        '--deliverability',
        action='store_true',
        help=_('then check whether emails from your address land in the inbox (SPF, DKIM, DMARC, reverse DNS)'),
    )


def run(
    args: argparse.Namespace,
    stored: EmailSettings | None,
    with_saved_secrets: Callable[[EmailSettings], EmailSettings] = lambda settings: settings,
    save_rotated: Callable[[EmailSettings, str], object] | None = None,
) -> int:
    """Exit 0 when the test passes, 1 when it fails, 2 when the settings are invalid.

    `stored` holds no secrets; `with_saved_secrets` adds the saved ones only where they belong to the connection
    being tested, so a flag that points elsewhere never carries the saved password along. `save_rotated` keeps a
    refresh token the provider rotated while the test refreshed the sign-in.
    """
    resolver = None
    if args.deliverability:
        from cli.deliverability import TestDnsRefused, resolver_from_environment

        try:
            resolver = resolver_from_environment()
        except TestDnsRefused as error:
            sys.stderr.write(f'mailroom check: {error}\n')
            return EXIT_INVALID
    settings = settings_from_args(args, stored)
    try:
        settings = with_saved_secrets(settings)
    except SecretUnavailable as error:
        if error.name == 'oauth_refresh_token':  # a sign-in cannot be typed: it is made with the provider
            advice = _('In a terminal: python main.py signin')
            sys.stderr.write(f'mailroom check: {error} {advice}\n')
            return EXIT_INVALID
        if not sys.stdin.isatty():
            advice = _('No terminal to ask on: set {variable} (for a password) or run the command in a terminal.')
            sys.stderr.write(f'mailroom check: {error} {advice.format(variable=PASSWORD_ENV)}\n')
            return EXIT_INVALID
        sys.stderr.write(f'{error}\n')
        secret: dict[str, Any] = {error.name: _prompt_secret(_(SECRET_LABELS[error.name]))}
        settings = replace(settings, **secret)
    if settings.protocol is Protocol.SMTP and not settings.uses_oauth and not settings.password:
        settings = replace(settings, password=_prompt_secret(_(SECRET_LABELS['password'])))
    timeouts = Timeouts.uniform(args.timeout) if args.timeout else Timeouts()
    out = sys.stdout
    if not args.json:
        out.write(_headline(settings, send=not args.no_send, to=args.to))
        out.flush()
    steps: list[StepEvent] = []
    verdict = asyncio.run(_run(settings, args, timeouts, out, steps, save_rotated))
    if verdict.cause is Cause.INVALID_INPUT:
        return EXIT_INVALID
    if resolver is not None:
        from cli.deliverability import report_deliverability

        report_deliverability(settings, steps, resolver, as_json=args.json, out=out)
    return EXIT_PASS if verdict.passed else EXIT_FAIL


def settings_from_args(args: argparse.Namespace, stored: EmailSettings | None) -> EmailSettings:
    """The saved settings with each given flag applied; the protocol follows the flags when not named."""
    settings = stored or EmailSettings()
    changes: dict[str, Any] = {}
    for flag, name in (
        ('smtp_host', 'host'),
        ('smtp_port', 'port'),
        ('username', 'username'),
        ('email', 'email'),
        ('http_server', 'http_server'),
        ('reply_to', 'reply_to'),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            changes[name] = value
    if args.security:
        changes['security'] = Security(args.security)
        changes['allow_plaintext'] = args.security == Security.NONE.value  # chosen explicitly on the command line
    if args.no_verify_tls:
        changes['skip_tls_verify'] = True
    if args.protocol:
        changes['protocol'] = Protocol(args.protocol)
    elif args.http_server and not args.smtp_host:
        changes['protocol'] = Protocol.HTTP
    elif args.smtp_host and not args.http_server:
        changes['protocol'] = Protocol.SMTP
    if args.reply_to and (changes.get('protocol', settings.protocol) is Protocol.SMTP):
        changes['reply_to_enabled'] = True
    env_password = os.environ.get(PASSWORD_ENV)
    if env_password:
        changes['password'] = env_password
    return replace(settings, **changes)


def _prompt_secret(label: str) -> str:
    if not sys.stdin.isatty():
        return ''
    try:
        return getpass.getpass(_('{secret} (not shown): ').format(secret=label[:1].upper() + label[1:]))
    except (EOFError, KeyboardInterrupt):
        return ''


async def _run(
    settings: EmailSettings,
    args: argparse.Namespace,
    timeouts: Timeouts,
    out: TextIO,
    steps: list[StepEvent],
    save_rotated: Callable[[EmailSettings, str], object] | None,
) -> Verdict:
    from core.diagnostics.runner import run_checks  # loaded only when a check runs, so the app starts faster
    from core.oauth.tokens import TokenCache

    cancel = asyncio.Event()  # Ctrl-C ends the test with its cancelled verdict, rendered like any other
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C stops Python as usual
        loop.add_signal_handler(signal.SIGINT, cancel.set)
    tokens = TokenCache(save_rotated)
    stream = run_checks(settings, send=not args.no_send, to=args.to, timeouts=timeouts, cancel=cancel, tokens=tokens)
    async with contextlib.aclosing(stream) as events:
        async for item in events:
            if args.json:
                out.write(json.dumps(item.to_json(), ensure_ascii=False) + '\n')
            elif isinstance(item, StepEvent):
                out.write(format_event(item, verbose=args.verbose))
            else:
                out.write(format_verdict(item, verbose=args.verbose))
            out.flush()
            if isinstance(item, Verdict):
                return item
            steps.append(item)
    raise RuntimeError('the settings test ended without a verdict')  # a defect, for the developer


def _headline(settings: EmailSettings, *, send: bool, to: str | None) -> str:
    if settings.protocol is Protocol.HTTP:
        target = _('HTTP service {server}').format(server=settings.http_server)
    else:
        target = _('{host} port {port} ({security}) as {username}').format(
            host=settings.host,
            port=settings.port,
            security=_(SECURITY_LABELS[settings.effective_security]),
            username=settings.username,
        )
    if send:
        return (
            _('Testing {target}, sending a test email to {address}.').format(
                target=target, address=to or settings.sender_address
            )
            + '\n\n'
        )
    return _('Testing {target}, checking without sending.').format(target=target) + '\n\n'


def format_event(event: StepEvent, *, verbose: bool = False) -> str:
    """One line per finished step, like the page's list; failures carry the reply and the explanation."""
    if event.status is Status.RUNNING:
        return ''
    elapsed = f'{event.elapsed_ms:.0f} ms' if event.elapsed_ms is not None else ''
    lines = [f'  {ICONS[event.status]} {event.title:<22} {event.message} {elapsed}'.rstrip()]
    if verbose:
        lines += [f'        {key}: {value}' for key, value in event.shown_details().items()]
    if event.status is Status.FAIL and event.step is Step.INPUT:
        lines += [f'        {_(key)} ({FLAGS[key]}): {value}' for key, value in event.details.items() if key in FLAGS]
    elif event.status is Status.FAIL:
        if not verbose:
            failed = _('failed: {reason}').partition('{')[0]  # how a failed check's detail begins, in any language
            shown = event.shown_details().items()
            lines += [f'        {key}: {value}' for key, value in shown if value.startswith(failed)]
        if event.reply:
            lines.append('        ' + _('Server reply: {reply}').format(reply=event.reply))
    return '\n'.join(lines) + '\n'


def format_verdict(verdict: Verdict, *, verbose: bool = False) -> str:
    lines = ['']
    if verdict.passed:
        lines.append(_('PASS  {message}').format(message=verdict.message))
        lines += [f'      ⚠ {warning}' for warning in verdict.warnings]
    else:
        where = step_title(verdict.step) if verdict.step else _('Test')
        cause = verdict.cause.value if verdict.cause else 'error'
        lines.append(_('FAIL  at {step} ({cause})').format(step=where, cause=cause))
        if verdict.explanation:
            lines += [
                '      ' + _('What happened: {what}').format(what=verdict.explanation.what),
                '      ' + _('Why: {why}').format(why=verdict.explanation.why),
                '      ' + _('What to do: {fix}').format(fix=verdict.explanation.fix),
            ]
        else:
            lines.append(f'      {verdict.message}')
        if verdict.change:
            flag = f'--{verdict.change.field.replace("_", "-")} {verdict.change.value}'
            lines.append(
                '      '
                + _('Try: the same command with {flag} ({change}).').format(flag=flag, change=verdict.change.label)
            )
    timings = ', '.join(f'{step.value} {ms:.0f} ms' for step, ms in verdict.timings)
    lines.append('      ' + _('Total {total} ms ({timings})').format(total=f'{verdict.total_ms:.0f}', timings=timings))
    if verbose:
        lines += ['', _('Transcript:'), verdict.transcript_text().rstrip()]
    return '\n'.join(lines) + '\n'
