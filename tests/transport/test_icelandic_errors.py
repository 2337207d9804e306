"""A real refusal from a server on 127.0.0.1, explained in Icelandic: the sending errors a person reads follow the
language of the work that sent, while the server's own reply stays as the server wrote it."""

from __future__ import annotations

import pytest

from core.causes import Cause
from core.i18n import using_language
from core.settings import Security
from core.transport import TransportError
from core.transport.smtp import SmtpTransport
from tests.support.certs import TestPKI
from tests.support.smtp_servers import smtp_server
from tests.transport.test_smtp_transport import PASSWORD, TIMEOUT, USER, message, settings_for, starttls_auth


async def test_a_wrong_password_is_explained_in_icelandic_with_the_servers_reply_kept(pki: TestPKI) -> None:
    async with starttls_auth(pki) as server:
        with using_language('is'), pytest.raises(TransportError) as caught:
            await SmtpTransport(settings_for(server, password='wrong-one'), timeout=TIMEOUT).send(message())
        with using_language('is'):
            explanation = caught.value.explanation(host=server.host)
    assert caught.value.cause is Cause.AUTH_REJECTED
    assert explanation.startswith('Þjónninn hafnaði notandanafninu eða lykilorðinu.')
    assert '(Svar þjónsins: 535' in explanation


async def test_a_missing_starttls_is_told_in_icelandic_with_the_port() -> None:
    async with smtp_server(accounts={USER: PASSWORD}, auth_require_tls=False) as server:
        with using_language('is'), pytest.raises(TransportError) as caught:
            await SmtpTransport(settings_for(server, security=Security.STARTTLS), timeout=TIMEOUT).send(message())
    assert caught.value.cause is Cause.STARTTLS_UNAVAILABLE
    assert caught.value.detail.startswith(f'Þjónninn bauð ekki upp á STARTTLS á gátt {server.port}.')


async def test_a_password_over_plain_text_is_refused_in_icelandic() -> None:
    async with smtp_server(accounts={USER: PASSWORD}, auth_require_tls=False) as server:
        with using_language('is'), pytest.raises(TransportError) as caught:
            await SmtpTransport(settings_for(server, security=Security.NONE), timeout=TIMEOUT).send(message())
    assert caught.value.cause is Cause.AUTH_REQUIRES_TLS
    assert caught.value.detail == 'Lykilorðið færi ódulkóðað yfir netið; veldu SSL/TLS eða STARTTLS.'


async def test_an_address_the_server_cannot_take_is_named_in_icelandic() -> None:
    async with smtp_server() as server:
        settings = settings_for(server, security=Security.NONE, allow_plaintext=True, username='', password='')
        with using_language('is'), pytest.raises(TransportError) as caught:
            await SmtpTransport(settings, timeout=TIMEOUT).send(message(to=('jörg@example.de',), cc=(), bcc=()))
    assert caught.value.cause is Cause.SMTPUTF8_UNAVAILABLE
    assert caught.value.detail == f'{server.host} býður ekki upp á SMTPUTF8, sem þarf fyrir jörg@example.de.'
