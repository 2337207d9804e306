"""Sending with a sign-in: XOAUTH2 with a token the provider issued, refreshed before it expires, never a password."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path

import pytest

from core.causes import Cause, Step
from core.message import OutgoingMessage
from core.oauth.tokens import TokenCache
from core.settings import Security
from core.transport import TransportError, transport_for
from storage.folder import DataFolder
from tests.oauth.conftest import ACCOUNT, oauth_settings, sign_in, signed_in
from tests.support.certs import TestPKI
from tests.support.fake_oauth import FakeProvider
from tests.support.smtp_servers import ServerInfo, raw_server, scripted, smtp_server


def invoice_message() -> OutgoingMessage:
    return OutgoingMessage(
        sender_name='Norðurljós', sender_address=ACCOUNT, to=('anna@example.org',), subject='Invoice 7', text_body='Hi'
    )


async def test_sending_signs_in_with_xoauth2_and_the_message_arrives(
    provider: FakeProvider, mail_server: ServerInfo
) -> None:
    settings = oauth_settings(provider, mail_server)
    settings, tokens, token = await signed_in(settings)

    receipt = await transport_for(settings, tokens=tokens, timeout=5).send(invoice_message())

    assert receipt.accepted == ('anna@example.org',)
    [attempt] = mail_server.recorder.auth_attempts
    assert (attempt.mechanism, attempt.login, attempt.success, attempt.over_tls) == ('XOAUTH2', ACCOUNT, True, True)
    assert attempt.password == token.access_token
    assert provider.token_requests == ['authorization_code']  # the token from the sign-in served: no refresh
    assert len(mail_server.recorder.messages) == 1


async def test_an_expired_access_token_is_refreshed_before_sending_and_the_rotated_token_saved(
    provider: FakeProvider, mail_server: ServerInfo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx, Authlib, aiosmtplib and Mailroom at their most talkative
    settings = oauth_settings(provider, mail_server)
    token = await sign_in(settings)
    folder = DataFolder(tmp_path / 'data')
    try:
        folder.settings.save(replace(settings, oauth_refresh_token=token.refresh_token))
        tokens = TokenCache(folder.settings.save_rotated_sign_in)
        saved = folder.settings.load()
        assert saved is not None
        tokens.remember(saved, replace(token, expires_at=int(time.time()) + 30))  # inside the 60 s leeway
        provider.expire_access_tokens()

        receipt = await transport_for(saved, tokens=tokens, timeout=5).send(invoice_message())

        assert receipt.accepted == ('anna@example.org',)
        assert provider.token_requests == ['authorization_code', 'refresh_token']
        rotated = folder.settings.load()
        assert rotated is not None
        assert rotated.oauth_refresh_token != token.refresh_token
        assert rotated.oauth_refresh_token in provider.refresh_tokens  # the one the provider will take next time
        # A later process (no cached token) refreshes with the saved, rotated token: it works.
        again = await transport_for(rotated, tokens=TokenCache(folder.settings.save_rotated_sign_in)).send(
            invoice_message()
        )
        assert again.accepted == ('anna@example.org',)
        secrets = [*provider.access_tokens, *provider.refresh_tokens, token.refresh_token]
        assert caplog.records and not [s for s in secrets if s in caplog.text]
    finally:
        folder.close()


async def test_a_revoked_sign_in_fails_at_the_token_step_with_sign_in_again(
    provider: FakeProvider, mail_server: ServerInfo
) -> None:
    settings = oauth_settings(provider, mail_server)
    token = await sign_in(settings)
    provider.revoke_all()
    settings = replace(settings, oauth_refresh_token=token.refresh_token)

    with pytest.raises(TransportError) as failed:
        await transport_for(settings, tokens=TokenCache(), timeout=5).send(invoice_message())

    assert (failed.value.step, failed.value.cause) == (Step.TOKEN, Cause.OAUTH_SIGN_IN_AGAIN)
    assert not failed.value.transient
    assert mail_server.recorder.auth_attempts == []  # no sign-in was tried, and never with a password
    assert token.refresh_token not in str(failed.value) + failed.value.explanation()


async def test_a_refused_token_shows_the_decoded_challenge_and_never_falls_back_to_a_password(
    provider: FakeProvider, mail_server: ServerInfo
) -> None:
    settings = oauth_settings(provider, mail_server, password='a-password-that-must-not-be-tried')
    settings, tokens, token = await signed_in(settings)
    provider.revoke_all()  # the access token no longer passes the server's check

    with pytest.raises(TransportError) as failed:
        await transport_for(settings, tokens=tokens, timeout=5).send(invoice_message())

    assert (failed.value.step, failed.value.cause) == (Step.AUTH, Cause.OAUTH_TOKEN_REFUSED)
    assert '"scope":"https://mail.google.com/"' in failed.value.server_reply
    assert [a.mechanism for a in mail_server.recorder.auth_attempts] == ['XOAUTH2']
    assert token.access_token not in failed.value.server_reply


async def test_a_token_for_another_account_is_named_as_the_wrong_account(
    provider: FakeProvider, mail_server: ServerInfo
) -> None:
    settings = oauth_settings(provider, mail_server, username='sales@nordurljos.example')
    settings, tokens, _ = await signed_in(settings)

    with pytest.raises(TransportError) as failed:
        await transport_for(settings, tokens=tokens, timeout=5).send(invoice_message())

    assert failed.value.cause is Cause.OAUTH_WRONG_ACCOUNT
    assert ACCOUNT in failed.value.detail


async def test_smtp_auth_disabled_for_the_mailbox_is_told_with_the_powershell_fix(
    provider: FakeProvider, pki: TestPKI
) -> None:
    refusal = '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.'
    async with smtp_server(
        tls='starttls', cert=pki.good(), accounts={}, check_token=lambda user, token: False, xoauth2_refusal=refusal
    ) as server:
        settings = oauth_settings(provider, server)
        settings, tokens, _ = await signed_in(settings)
        with pytest.raises(TransportError) as failed:
            await transport_for(settings, tokens=tokens, timeout=5).send(invoice_message())
    assert failed.value.cause is Cause.SMTP_AUTH_DISABLED
    assert 'Set-CASMailbox' in failed.value.explanation()


async def test_a_server_without_xoauth2_is_not_sent_a_password(provider: FakeProvider) -> None:
    replies = {'EHLO': '250-scripted.test\n250 AUTH PLAIN LOGIN'}
    async with raw_server(scripted(replies)) as server:
        settings = oauth_settings(provider, server, security=Security.NONE, allow_plaintext=True, password='not-this')
        settings, tokens, _ = await signed_in(settings)
        with pytest.raises(TransportError) as failed:
            await transport_for(settings, tokens=tokens, timeout=5).send(invoice_message())
    assert failed.value.cause is Cause.AUTH_UNAVAILABLE
    assert b'AUTH' not in bytes(server.recorder.plaintext)


async def test_every_rotation_is_saved_even_when_the_caller_holds_the_first_refresh_token(
    provider: FakeProvider, tmp_path: Path
) -> None:
    settings = oauth_settings(provider)
    token = await sign_in(settings)
    settings = replace(settings, oauth_refresh_token=token.refresh_token)
    folder = DataFolder(tmp_path / 'data')
    try:
        folder.settings.save(settings)
        now = [time.time()]
        tokens = TokenCache(folder.settings.save_rotated_sign_in, clock=lambda: now[0])
        for _ in range(3):  # each refresh spends the refresh token before it
            now[0] += 7200
            await tokens.access_token(settings)  # the same, first settings value every time
        saved = folder.settings.load()
        assert saved is not None
        assert provider.token_requests.count('refresh_token') == 3
        assert list(provider.refresh_tokens) == [saved.oauth_refresh_token]  # the only one still valid is saved
    finally:
        folder.close()
