"""A sign-in that can no longer be refreshed pauses the outbox (no tries spent); saving settings resumes it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from core.causes import Cause
from core.email_log import Draft, EmailRecord, EmailStatus, MemoryEmailLog
from core.i18n import using_language
from core.oauth.tokens import TokenCache
from core.outbox import Outbox
from core.settings import EmailSettings
from core.transport import transport_for
from tests.oauth.conftest import oauth_settings, sign_in, signed_in
from tests.support.fake_oauth import FakeProvider
from tests.support.smtp_servers import ServerInfo

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def draft() -> Draft:
    return Draft(
        to=('thordur@example.is',), subject='Invoice INV-7', text_body='Attached.', html_body='<p>Attached.</p>',
        business_name='Norðurljós', document_id='doc-7', document_label='Sales Invoice INV-7',
    )  # fmt: skip


async def test_a_revoked_sign_in_pauses_the_outbox_and_signing_in_again_resumes_it(
    provider: FakeProvider, mail_server: ServerInfo
) -> None:
    base = oauth_settings(provider, mail_server)
    first = await sign_in(base)
    current: list[EmailSettings] = [replace(base, oauth_refresh_token=first.refresh_token)]
    tokens = TokenCache()
    outbox = Outbox(
        MemoryEmailLog(), lambda: current[0], lambda s: transport_for(s, tokens=tokens, timeout=5), clock=lambda: NOW
    )
    provider.revoke_all()

    record = await outbox.send(draft())

    assert record.status is EmailStatus.QUEUED
    assert (record.step, record.cause, record.tries) == ('token', Cause.OAUTH_SIGN_IN_AGAIN.value, 0)
    assert outbox.paused_for_sign_in()
    assert outbox.due() == [] and outbox.next_due_in() is None  # not retried in a loop against the provider
    assert await outbox.run_due() == []
    assert provider.token_requests.count('refresh_token') == 1

    second = await sign_in(base)
    current[0] = replace(base, oauth_refresh_token=second.refresh_token)
    outbox.settings_saved()

    assert not outbox.paused_for_sign_in()
    [sent] = await outbox.run_due()
    assert sent.status is EmailStatus.SENT
    assert len(mail_server.recorder.messages) == 1


async def test_a_refresh_refused_in_the_background_is_logged_as_data_and_read_in_the_readers_language(
    provider: FakeProvider, mail_server: ServerInfo
) -> None:
    settings, _tokens, _token = await signed_in(oauth_settings(provider, mail_server))
    for grant in provider.refresh_tokens.values():
        grant.scope = 'offline_access'  # the next refresh comes back without the mail scope
    outbox = Outbox(MemoryEmailLog(), lambda: settings, lambda s: transport_for(s, timeout=5), clock=lambda: NOW)

    with using_language('en'):  # the background outbox speaks no page's language
        record = await outbox.send(draft())

    assert (record.step, record.cause) == ('token', Cause.OAUTH_SCOPE_MISSING.value)
    stored = EmailRecord.from_dict(record.to_dict())  # as the email log keeps it
    assert stored.reply == ''  # the provider's token endpoint answered; no mail server said anything
    assert stored.said.startswith('Not granted: ') and 'mail' in stored.said
    with using_language('is'):
        assert stored.said.startswith('Ekki veitt: ')
