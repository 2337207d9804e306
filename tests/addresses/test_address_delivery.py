"""Addresses end to end over real SMTP on 127.0.0.1: internal domains, display names, SMTPUTF8 offered or not.

No DNS is involved: the server is 127.0.0.1, and the recipients' domains exist only in the envelope.
"""

from __future__ import annotations

import argparse
import contextlib
import email
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest

from cli import check as check_cli
from core.causes import Cause
from core.diagnostics.events import Status, StepEvent, Verdict
from core.diagnostics.runner import run_checks
from core.email_log import EmailStatus, MemoryEmailLog
from core.outbox import Outbox
from core.settings import EmailSettings, Security
from core.transport import transport_for
from tests.email.conftest import FakeClock, make_draft
from tests.support.smtp_servers import ReceivedMessage, smtp_server, threaded_smtp_server

INTERNAL_SENDER = 'billing@company.local'


def plain_settings(port: int, **changes: Any) -> EmailSettings:
    """An internal relay on the local network that needs no sign-in (as intranet Exchange often is)."""
    values: dict[str, Any] = {
        'host': '127.0.0.1',
        'port': port,
        'security': Security.NONE,
        'allow_plaintext': True,
        'username': INTERNAL_SENDER,
    }
    values.update(changes)
    return EmailSettings.from_dict(values)


def outbox_for(settings: EmailSettings) -> Outbox:
    return Outbox(MemoryEmailLog(), lambda: settings, lambda s: transport_for(s, timeout=5), clock=FakeClock())


def parsed(received: ReceivedMessage) -> EmailMessage:
    message = email.message_from_bytes(received.content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


async def test_an_email_to_an_internal_address_is_sent_and_a_quoted_name_stays_whole() -> None:
    async with smtp_server() as server:
        outbox = outbox_for(plain_settings(server.port))
        draft = make_draft(to=('user@company.local',), cc=('"Doe, John" <john@home.arpa>',), bcc=())
        record = await outbox.send(draft)
    assert record.status is EmailStatus.SENT, record
    [received] = server.recorder.messages
    assert received.mail_from == INTERNAL_SENDER
    assert received.rcpt_tos == ('user@company.local', 'john@home.arpa')
    message = parsed(received)
    assert message['To'] == 'user@company.local'
    assert message['Cc'].addresses[0].display_name == 'Doe, John'
    assert message['Cc'].addresses[0].addr_spec == 'john@home.arpa'


async def test_an_international_domain_travels_as_a_labels() -> None:
    async with smtp_server() as server:
        record = await outbox_for(plain_settings(server.port)).send(make_draft(to=('anna@bær.is',), cc=()))
    assert record.status is EmailStatus.SENT, record
    assert server.recorder.messages[0].rcpt_tos == ('anna@xn--br-1ia.is',)


async def test_letters_beyond_english_before_the_at_go_with_smtputf8_when_the_server_offers_it() -> None:
    async with smtp_server(smtputf8=True) as server:
        record = await outbox_for(plain_settings(server.port)).send(make_draft(to=('jörg@example.de',), cc=()))
    assert record.status is EmailStatus.SENT, record
    [received] = server.recorder.messages
    assert received.rcpt_tos == ('jörg@example.de',)
    assert parsed(received)['To'] == 'jörg@example.de'


async def test_without_smtputf8_the_send_fails_saying_so_and_nothing_is_sent() -> None:
    async with smtp_server() as server:
        record = await outbox_for(plain_settings(server.port)).send(make_draft(to=('jörg@example.de',), cc=()))
    assert record.status is EmailStatus.FAILED
    assert (record.step, record.cause) == ('mail', Cause.SMTPUTF8_UNAVAILABLE.value)
    assert 'jörg@example.de' in record.said and 'SMTPUTF8' in record.said
    assert server.recorder.messages == []
    assert 'MAIL' not in server.recorder.commands


async def collect(settings: EmailSettings, **kwargs: Any) -> tuple[list[StepEvent], Verdict]:
    events: list[StepEvent] = []
    async with contextlib.aclosing(run_checks(settings, **kwargs)) as stream:
        async for item in stream:
            if isinstance(item, Verdict):
                return events, item
            if item.status is not Status.RUNNING:
                events.append(item)
    raise AssertionError('no verdict')


async def test_the_settings_test_sends_from_an_internal_address_and_warns_about_it() -> None:
    async with smtp_server(accounts={INTERNAL_SENDER: 'pw'}, auth_require_tls=False) as server:
        events, verdict = await collect(plain_settings(server.port, password='pw'), to='user@company.local')
    assert verdict.passed, verdict
    [checked] = [e for e in events if e.step.value == 'input']
    assert checked.status is Status.WARN
    assert 'billing@company.local is on an internal domain' in checked.message
    assert 'user@company.local is on an internal domain' in checked.message
    assert server.recorder.messages[0].rcpt_tos == ('user@company.local',)


async def test_the_settings_test_names_the_missing_smtputf8_at_the_sender_step() -> None:
    async with smtp_server(accounts={'jörg@example.de': 'pw'}, auth_require_tls=False) as server:
        settings = plain_settings(server.port, username='jörg@example.de', password='pw')
        events, verdict = await collect(settings, send=False)
    assert not verdict.passed
    assert (verdict.step.value if verdict.step else None, verdict.cause) == ('mail', Cause.SMTPUTF8_UNAVAILABLE)
    assert [e.status for e in events if e.step.value == 'input'] == [Status.WARN]


def cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    check_cli.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_the_terminal_check_takes_internal_addresses_and_prints_the_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with threaded_smtp_server(accounts={INTERNAL_SENDER: 'pw'}, auth_require_tls=False) as server:
        code = check_cli.run(cli_args('--to', 'user@company.local'), plain_settings(server.port, password='pw'))
    out = capsys.readouterr().out
    assert code == check_cli.EXIT_PASS, out
    assert 'user@company.local is on an internal domain (company.local)' in out
    assert server.recorder.messages[0].rcpt_tos == ('user@company.local',)


def test_the_terminal_check_names_the_wrong_address_and_its_flag(capsys: pytest.CaptureFixture[str]) -> None:
    settings = plain_settings(1, password='pw')
    code = check_cli.run(cli_args('--to', '"Doe, John" j@x.example', '--no-send'), settings)
    out = capsys.readouterr().out
    assert code == check_cli.EXIT_INVALID
    assert 'Send the test to (--to): ' in out and 'is not a valid email address' in out
    assert 'sender_address' not in out and 'marked in red' not in out
