"""The relay as a real process: started from the command line, tested by the settings test, then sending mail."""

from __future__ import annotations

import email
from dataclasses import replace
from email import policy
from pathlib import Path

import httpx
import pytest

from core.causes import Step
from core.diagnostics.events import Status, StepEvent, Verdict
from core.diagnostics.runner import run_checks
from core.message import Attachment, message_from_settings
from core.settings import EmailSettings, Protocol
from core.transport import TransportError
from core.transport.http import HttpTransport
from tests.relay.conftest import RELAY_SENDER, TOKEN, UPSTREAM_PASSWORD, relay_process
from tests.support.certs import TestPKI
from tests.support.smtp_servers import ServerInfo

REPLY_TO = 'office@acme.example'


async def test_settings_test_and_an_invoice_pass_through_the_relay_process(
    upstream: ServerInfo, pki: TestPKI, tmp_path: Path
) -> None:
    async with relay_process(upstream, pki, tmp_path) as (url, log_path):
        settings = EmailSettings(protocol=Protocol.HTTP, http_server=url, reply_to=REPLY_TO)
        with pytest.raises(TransportError) as refused:
            await HttpTransport(settings, timeout=5).send(
                message_from_settings(settings, business_name='Acme', to=['anna@example.org'], subject='No token')
            )
        assert refused.value.reply_code == 401
        assert not upstream.recorder.messages

        transport = HttpTransport(replace(settings, http_token=TOKEN), timeout=5)
        invoice = message_from_settings(
            settings,
            business_name='Acme ehf.',
            to=['anna@example.org'],
            subject='Invoice 42',
            text_body='Invoice 42 is attached.',
            attachments=[Attachment('Invoice 42.pdf', 'application/pdf', b'%PDF-1.7 invoice 42')],
        )
        receipt = await transport.send(invoice)

    [delivered] = upstream.recorder.messages
    mime = email.message_from_bytes(delivered.content, policy=policy.default)
    assert delivered.mail_from == RELAY_SENDER and delivered.over_tls and delivered.authenticated
    assert mime['From'].addresses[0].addr_spec == RELAY_SENDER
    assert str(mime['Reply-To']) == REPLY_TO
    [attachment] = mime.iter_attachments()
    assert attachment.get_content() == b'%PDF-1.7 invoice 42'
    assert receipt.message_id == mime['Message-ID']
    log = log_path.read_text()
    assert 'status=401' in log and 'status=200' in log
    for secret in (UPSTREAM_PASSWORD, TOKEN, 'Invoice 42 is attached'):
        assert secret not in log


async def test_the_settings_test_in_http_mode_passes_each_step(
    upstream: ServerInfo, pki: TestPKI, tmp_path: Path
) -> None:
    async with relay_process(upstream, pki, tmp_path, tokens='') as (url, _):
        settings = EmailSettings(protocol=Protocol.HTTP, http_server=url, reply_to=REPLY_TO)
        events = [event async for event in run_checks(settings, to='anna@example.org')]
    verdict = events[-1]
    assert isinstance(verdict, Verdict) and verdict.passed, verdict
    finished = {e.step: e.status for e in events if isinstance(e, StepEvent) and e.status is not Status.RUNNING}
    assert finished[Step.CONNECT] is Status.OK and finished[Step.HTTP] is Status.OK
    assert finished[Step.TLS] is Status.SKIPPED
    [delivered] = upstream.recorder.messages
    assert delivered.rcpt_tos == ('anna@example.org',)


@pytest.mark.parametrize(('trusted', 'statuses'), [('127.0.0.1', [200, 429, 200]), ('', [200, 429, 429])])
async def test_forwarded_client_addresses_count_only_from_a_trusted_proxy(
    upstream: ServerInfo, pki: TestPKI, tmp_path: Path, trusted: str, statuses: list[int]
) -> None:
    limits = ('--ip-burst', '1', '--ip-per-minute', '1', '--trusted-proxies', trusted)
    async with relay_process(upstream, pki, tmp_path, *limits, tokens='') as (url, log_path):
        form = {'from': 'Acme', 'reply_to': REPLY_TO, 'to': 'anna@example.org', 'subject': 'Hi', 'body': '<p>Hi</p>'}
        async with httpx.AsyncClient(timeout=5) as client:
            answers = [
                await client.post(url, data=form, headers={'X-Forwarded-For': address})
                for address in ('203.0.113.7', '203.0.113.7', '198.51.100.9')
            ]
    assert [a.status_code for a in answers] == statuses
    assert len(upstream.recorder.messages) == statuses.count(200)
    expected_client = 'client=203.0.113.7' if trusted else 'client=127.0.0.1'
    assert expected_client in log_path.read_text()
