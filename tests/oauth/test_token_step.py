"""The settings test with a sign-in: a token step before AUTH, XOAUTH2 through the sending code, secrets hidden."""

from __future__ import annotations

import base64
import time
from dataclasses import replace

from core.causes import Cause, Step
from core.diagnostics.probe import Timeouts
from core.oauth.tokens import TokenCache
from core.oauth.values import TokenSet
from tests.diagnostics.conftest import run
from tests.oauth.conftest import ACCOUNT, oauth_settings, sign_in, signed_in
from tests.support.certs import TestPKI
from tests.support.fake_oauth import FakeProvider, jwt
from tests.support.smtp_servers import ServerInfo, smtp_server

TIMEOUTS = Timeouts(dns=2, connect=2, greeting=2, tls=3, command=3, data=3, tls_probe=1, total=20)


def every_form(secret: str) -> list[str]:
    xoauth2 = f'user={ACCOUNT}\x01auth=Bearer {secret}\x01\x01'
    return [secret, base64.b64encode(secret.encode()).decode()[:20], base64.b64encode(xoauth2.encode()).decode()[:40]]


async def test_the_test_refreshes_the_token_signs_in_with_xoauth2_and_never_shows_a_token(
    provider: FakeProvider, mail_server: ServerInfo
) -> None:
    settings = oauth_settings(provider, mail_server)
    first = await sign_in(settings)
    settings = replace(settings, oauth_refresh_token=first.refresh_token)
    tokens = TokenCache()
    tokens.remember(settings, replace(first, expires_at=int(time.time()) + 10))  # about to expire

    result = await run(settings, timeouts=TIMEOUTS, tokens=tokens, to='anna@example.org')

    assert result.verdict.passed, result.transcript
    steps = [event.step for event in result.finished()]
    assert steps.index(Step.TOKEN) < steps.index(Step.AUTH)
    token_step = next(e for e in result.finished() if e.step is Step.TOKEN)
    assert token_step.details['Access token'] == 'refreshed now'
    assert token_step.details['Account'] == ACCOUNT
    auth_step = next(e for e in result.finished() if e.step is Step.AUTH)
    assert auth_step.details['Method used'] == 'XOAUTH2'
    assert [a.mechanism for a in mail_server.recorder.auth_attempts] == ['XOAUTH2']
    refreshed = (await tokens.access_token(settings)).token
    shown = result.transcript + repr(result.events) + repr(result.verdict)
    for secret in (first.access_token, first.refresh_token, refreshed.access_token, refreshed.refresh_token):
        for form in every_form(secret):
            assert form not in shown


async def test_a_revoked_sign_in_stops_the_test_at_the_token_step(
    provider: FakeProvider, mail_server: ServerInfo
) -> None:
    settings = oauth_settings(provider, mail_server)
    first = await sign_in(settings)
    provider.revoke_all()

    result = await run(replace(settings, oauth_refresh_token=first.refresh_token), timeouts=TIMEOUTS)

    assert (result.verdict.step, result.verdict.cause) == (Step.TOKEN, Cause.OAUTH_SIGN_IN_AGAIN)
    assert result.verdict.explanation is not None and 'Sign in again' in result.verdict.explanation.fix
    assert mail_server.recorder.auth_attempts == []


async def test_a_refused_token_shows_the_servers_decoded_challenge(
    provider: FakeProvider, mail_server: ServerInfo
) -> None:
    settings = oauth_settings(provider, mail_server)
    settings, tokens, first = await signed_in(settings)
    provider.access_tokens.clear()  # the server no longer takes the access token; the sign-in itself is fine

    result = await run(settings, timeouts=TIMEOUTS, tokens=tokens)

    assert (result.verdict.step, result.verdict.cause) == (Step.AUTH, Cause.OAUTH_TOKEN_REFUSED)
    assert '"status":"401"' in result.verdict.reply and result.verdict.reply.startswith('535')
    assert first.access_token not in result.transcript


async def test_a_microsoft_sized_access_token_signs_in_and_is_hidden_in_every_form(
    provider: FakeProvider, pki: TestPKI
) -> None:
    token = jwt({'aud': 'https://outlook.office.com', 'upn': ACCOUNT, 'scp': 'SMTP.Send', 'more': 'x' * 1500})
    async with smtp_server(
        tls='starttls', cert=pki.good(), require_starttls=True, accounts={}, auth_required=True,
        check_token=lambda user, given: given == token,
    ) as server:  # fmt: skip
        settings = replace(oauth_settings(provider, server), oauth_refresh_token='rt-kept')
        tokens = TokenCache()
        tokens.remember(settings, TokenSet(token, int(time.time()) + 3600, 'rt-kept', account=ACCOUNT))
        result = await run(settings, timeouts=TIMEOUTS, tokens=tokens, to='anna@example.org')
    assert result.verdict.passed, result.transcript
    assert len(token) > 2000 and [a.success for a in server.recorder.auth_attempts] == [True]
    shown = result.transcript + repr(result.events) + repr(result.verdict)
    assert not [form for form in every_form(token) if form in shown]
