"""The settings test in Icelandic: step titles, messages, detail labels and verdicts in the language of the work, the
transcript's protocol lines exactly as on the wire."""

from __future__ import annotations

import asyncio
import os
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from cli import check as check_cli
from core.causes import Cause, Step
from core.deliverability.check import server_name_from
from core.diagnostics.events import Status
from core.diagnostics.transcript import Mark
from core.i18n import using_language
from core.settings import Security
from tests.diagnostics.conftest import ACCOUNTS, PASSWORD, USER, Run, run, smtp_settings
from tests.diagnostics.http_server import http_server
from tests.diagnostics.test_check_cli import parse, saved, start_check
from tests.diagnostics.test_http_checks import http_settings
from tests.support.certs import TestPKI
from tests.support.smtp_servers import free_port, smtp_server, threaded_smtp_server

WIRE = (Mark.SENT, Mark.RECEIVED, Mark.SENT_TLS, Mark.RECEIVED_TLS)


def finished(result: Run, step: Step) -> list[str]:
    """The messages of a step's finished events, in order (EHLO runs twice)."""
    return [e.message for e in result.finished() if e.step is step]


def wire_lines(result: Run) -> list[tuple[Mark, str]]:
    """The protocol lines; the test message's size differs, as its text is in the language of the test."""
    lines = [(line.mark, line.text) for line in result.verdict.transcript if line.mark in WIRE]
    return [(mark, re.sub(r' SIZE=\d+$', ' SIZE=n', text)) for mark, text in lines]


async def test_a_passing_test_in_icelandic_names_each_step_and_says_the_verdict_in_icelandic(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        with using_language('is'):
            result = await run(smtp_settings(server.port), to='customer@example.com', business_name='Acme ehf.')
            titles = {e.step: e.title for e in result.finished()}  # a title is worded where it is shown
    verdict = result.verdict
    assert verdict.passed and verdict.message == (
        'Tölvupóststillingarnar virka: 127.0.0.1 tók við prófunarpóstinum til customer@example.com.'
    )
    assert (titles[Step.CONNECT], titles[Step.TLS], titles[Step.AUTH], titles[Step.QUIT]) == (
        'Tenging',
        'Dulkóðun (TLS)',
        'Innskráning',
        'Lokakveðja',
    )
    running = {e.step: e.message for e in result.events if e.status is Status.RUNNING}
    assert running[Step.TLS] == 'Kveikjum á dulkóðun (STARTTLS)' and running[Step.AUTH] == 'Skráum inn'
    assert finished(result, Step.CONNECT) == [f'Tengt við 127.0.0.1, gátt {server.port}.']
    assert finished(result, Step.AUTH) == [f'Skráð inn sem {USER}.']
    assert finished(result, Step.RCPT) == ['Viðtakandinn customer@example.com samþykktur.']
    assert finished(result, Step.DATA) == ['Þjónninn tók við prófunarskilaboðunum (auðkenni í biðröð: TEST123).']
    assert finished(result, Step.INPUT) == ['Allar stillingar eru útfylltar.']


async def test_the_details_of_the_steps_are_labelled_in_icelandic(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        with using_language('is'):
            result = await run(smtp_settings(server.port))
    tls = next(e for e in result.finished() if e.step is Step.TLS)
    assert tls.message.startswith('Dulkóðað (TLSv1.') and tls.message.endswith(') og vottorðið er gilt.')
    first, second = [e for e in result.finished() if e.step is Step.EHLO]
    settings_step = next(e for e in result.finished() if e.step is Step.INPUT)
    with using_language('is'):  # the labels are kept in English and worded where shown
        shown_tls, shown_ehlo, shown_settings = (e.shown_details() for e in (tls, first, settings_step))
    assert {'Handhafi vottorðs', 'Útgefandi', 'Gildir frá', 'Gildir til', 'TLS-útgáfa'} <= set(shown_tls)
    assert shown_tls['Gildir til'].endswith(' eftir)')
    assert shown_tls['Athugun vélarheitis'] == 'stóðst: 127.0.0.1 er í vottorðinu'
    assert shown_ehlo['Innskráningaraðferðir (AUTH)'] == 'ekki í boði enn (eðlilegt áður en dulkóðun hefst)'
    assert shown_ehlo['STARTTLS'] == 'í boði' and shown_ehlo['SMTPUTF8'] in ('já', 'nei')
    assert second.message.startswith('Aftur um dulkóðuðu tenginguna: nú í boði: AUTH')
    assert shown_settings['Öryggi tengingar'] == 'STARTTLS'
    assert shown_settings['Innskráningaraðferð'] == 'lykilorðið'


async def test_the_transcript_keeps_the_wire_lines_and_tells_its_own_lines_in_icelandic(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        english = await run(smtp_settings(server.port), send=False)
        with using_language('is'):
            icelandic = await run(smtp_settings(server.port), send=False)
    assert wire_lines(icelandic) == wire_lines(english)
    assert (Mark.SENT, 'STARTTLS') in wire_lines(icelandic) and (Mark.SENT_TLS, 'RSET') in wire_lines(icelandic)
    told = [line.text for line in icelandic.verdict.transcript if line.mark is Mark.INFO]
    assert f'Reynum 127.0.0.1:{server.port}...' in told
    assert any(text.startswith(f'Tengt við 127.0.0.1:{server.port} á ') for text in told)
    assert icelandic.verdict.message.endswith('samþykkti innskráninguna, sendandann og viðtakandann. Ekkert var sent.')
    assert finished(icelandic, Step.DATA) == ['Ekkert sent: hætt eftir viðtakandann með RSET, eins og beðið var um.']


async def test_the_test_email_is_written_in_the_language_of_the_test(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        with using_language('is'):
            result = await run(smtp_settings(server.port), business_name='Acme ehf.')
    assert result.verdict.passed, result.verdict.message
    (message,) = server.recorder.messages
    email = message_from_bytes(message.content, policy=policy.default)
    assert email['Subject'] == 'Prófunarpóstur frá Acme ehf.'
    body = email.get_body(('plain',))
    assert body is not None and 'Ef þú getur lesið þetta fara tölvupóstar' in body.get_content()


async def test_a_refused_sign_in_in_icelandic_fails_the_sign_in_step_in_icelandic(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        with using_language('is'):
            result = await run(smtp_settings(server.port, password='wrong-password'), send=False)
    verdict = result.verdict
    assert not verdict.passed and verdict.cause is Cause.AUTH_REJECTED
    assert verdict.message.startswith('Skrefið „Innskráning“ mistókst: ')
    failed = result.events[-1]
    assert failed.status is Status.FAIL and failed.message == 'Þjónninn hafnaði innskráningunni (535).'
    errors = [line.text for line in verdict.transcript if line.mark is Mark.ERROR]
    assert 'auth-rejected: Þjónninn hafnaði innskráningunni (535).' in errors  # the cause code stays a code
    assert 'wrong-password' not in verdict.transcript_text()


async def test_a_certificate_for_another_host_is_explained_in_icelandic(trusted: TestPKI) -> None:
    async with smtp_server(tls='implicit', cert=trusted.wrong_host(), accounts=ACCOUNTS) as server:
        with using_language('is'):
            result = await run(smtp_settings(server.port, Security.SSL))
    failed = result.events[-1]
    assert failed.step is Step.TLS and failed.status is Status.FAIL
    assert failed.message.startswith('Vottorðið er fyrir ') and failed.message.endswith(', ekki fyrir 127.0.0.1.')
    with using_language('is'):
        shown = failed.shown_details()
    assert shown['Athugun vélarheitis'] == 'stóðst ekki: 127.0.0.1 er ekki í vottorðinu'
    assert shown['SHA-256-fingrafar'].count(':') == 31
    assert result.verdict.message.startswith('Skrefið „Dulkóðun (TLS)“ mistókst: ')


async def test_a_refused_port_and_its_transcript_line_are_told_in_icelandic() -> None:
    port = free_port()
    with using_language('is'):
        result = await run(smtp_settings(port))
        failed = result.events[-1]
        assert (failed.step, failed.title) == (Step.CONNECT, 'Tenging')
    assert failed.message == f'Ekkert tekur við tengingum á gátt {port} þar.'
    assert failed.details['127.0.0.1'].startswith('hafnað (')
    assert any(line.text.startswith('127.0.0.1: hafnað (') for line in result.verdict.transcript)
    dns = next(e for e in result.finished() if e.step is Step.DNS)
    with using_language('is'):
        shown = dns.shown_details()
    assert dns.message == 'Ekki þarf að fletta 127.0.0.1 upp.' and shown == {'IP-tölur': '127.0.0.1'}


async def test_a_settings_field_refused_before_the_test_is_named_as_the_icelandic_page_names_it() -> None:
    with using_language('is'):
        result = await run(smtp_settings(587, host=''))
    failed = result.events[-1]
    assert failed.step is Step.INPUT and failed.status is Status.FAIL
    with using_language('is'):
        assert 'SMTP-þjónn' in failed.shown_details()
    assert result.verdict.message.startswith('Skrefið „Stillingar“ mistókst: ')


def test_the_terminal_check_prints_the_steps_in_icelandic(trusted: TestPKI, capsys: pytest.CaptureFixture[str]) -> None:
    with threaded_smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server, using_language('is'):
        code = check_cli.run(parse('--timeout', '3', '--no-send'), saved(server.port))
    out = capsys.readouterr().out
    assert code == check_cli.EXIT_PASS, out
    assert f'Skráð inn sem {USER}.' in out and 'Innskráning' in out and 'Tölvupóststillingarnar virka' in out
    assert PASSWORD not in out


async def test_main_check_speaks_icelandic_when_lang_says_so(tmp_path: Path) -> None:
    port = free_port()
    unset = ('LANGUAGE', 'LC_ALL', 'LC_MESSAGES')
    env = {k: v for k, v in os.environ.items() if k not in unset} | {'LANG': 'is_IS.UTF-8'}
    args = ('--host', '127.0.0.1', '--port', str(port), '--username', USER, '--timeout', '3')
    process = await start_check(tmp_path / 'data', *args, env=env | {check_cli.PASSWORD_ENV: PASSWORD})
    stdout, _stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    out = stdout.decode()
    assert f'Ekkert tekur við tengingum á gátt {port} þar.' in out and 'Tenging' in out
    assert 'connection-refused' in out  # the cause code stays a code


async def test_the_server_name_is_found_in_a_test_worded_in_icelandic(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        with using_language('is'):
            result = await run(smtp_settings(server.port), send=False)
            ehlo = next(e for e in result.finished() if e.step is Step.EHLO)
            assert 'Nafn þjóns' in ehlo.shown_details()
            assert server_name_from(result.events) == 'mx.test.invalid'  # for the deliverability check's rules


async def test_an_http_service_test_in_icelandic_says_its_steps_and_verdict_in_icelandic(trusted: TestPKI) -> None:
    async with http_server(ssl_context=trusted.good().server_context()) as (server, recorder):
        with using_language('is'):
            result = await run(http_settings(f'https://localhost:{server.port}/'))
            titles = [e.title for e in result.finished()]
    assert result.verdict.passed and result.verdict.message == (
        'Tölvupóststillingarnar virka: HTTP-póstþjónustan tók við prófunarpóstinum til office@example.com.'
    )
    assert titles[-1] == 'HTTP-beiðni'
    running = {e.step: e.message for e in result.events if e.status is Status.RUNNING}
    assert running[Step.TLS] == 'Hefjum HTTPS-dulkóðun' and running[Step.HTTP] == 'Sendum prófunarpóstinn um HTTP'
    post = next(e for e in result.finished() if e.step is Step.HTTP)
    with using_language('is'):
        shown = post.shown_details()
    assert post.message.startswith('Þjónustan tók við prófunarpóstinum (') and shown['Staða'].startswith('200 ')
    assert '~> POST' in result.transcript and '<~ HTTP/1.1 200' in result.transcript
    (sent,) = recorder.posts
    assert sent.fields['subject'] == 'Prófunarpóstur frá Mailroom'
