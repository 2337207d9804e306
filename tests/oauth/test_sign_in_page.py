"""Sign in on the Email settings page: the provider's page in another tab, back to the redirect route, the account
filled in, Update seals the sign-in like a password, Sign out forgets it; a paused outbox says "Sign in again"."""

from __future__ import annotations

from datetime import UTC, datetime

from nicegui import ui
from nicegui.testing import User

from core.causes import Cause, Failure, Step
from core.email_log import EmailRecord, EmailStatus
from core.settings import SavedSecret
from tests.email.conftest import make_draft
from tests.oauth.conftest import ACCOUNT, browser_consents, oauth_settings
from tests.support.fake_oauth import FakeProvider
from tests.support.smtp_servers import ServerInfo
from tests.support.ui import BACKGROUND_RETRIES, set_value, value_of
from ui.services import Services


async def fill_sign_in_form(user: User, provider: FakeProvider, server: ServerInfo) -> None:
    await user.open('/settings')
    set_value(user, 'host', server.host)
    set_value(user, 'port', str(server.port))
    set_value(user, 'security', 'starttls')
    set_value(user, 'username', 'typed@nordurljos.example')
    set_value(user, 'auth', 'oauth')
    await user.should_see(marker='oauth-sign-in')
    await user.should_not_see(marker='password')
    for name, value in provider.endpoints().items():
        set_value(user, name, value)


def page_text(user: User) -> str:
    """Everything the page holds for the browser: every element's props and text."""
    assert user.client is not None
    return repr([(e._props, getattr(e, 'text', ''), getattr(e, 'value', '')) for e in user.client.elements.values()])


async def test_sign_in_fills_the_account_and_update_saves_it_sealed(
    app_user: User, services: Services, provider: FakeProvider, mail_server: ServerInfo
) -> None:
    await fill_sign_in_form(app_user, provider, mail_server)
    await app_user.should_see('Not signed in.')
    app_user.find(marker='oauth-sign-in').click()
    await app_user.should_see(marker='oauth-progress', retries=BACKGROUND_RETRIES)
    link = next(iter(app_user.find(marker='oauth-open').elements))
    callback = await browser_consents(str(link._props['href']))

    answer = await app_user.http_client.get(callback.removeprefix('http://127.0.0.1:8080'))

    assert answer.status_code == 200 and f'Mailroom is signed in as {ACCOUNT}' in answer.text
    await app_user.should_see(f'Signed in as {ACCOUNT}: press Update to save the sign-in.', retries=BACKGROUND_RETRIES)
    assert value_of(app_user, 'username') == ACCOUNT
    secrets = [*provider.access_tokens, *provider.refresh_tokens]
    assert not [s for s in secrets if s in page_text(app_user) or s in answer.text]

    app_user.find(kind=ui.button, content='Update').click()
    await app_user.should_see('Email settings saved')
    saved = services.folder.settings.load_public()
    assert saved is not None and saved.oauth_account == ACCOUNT and saved.username == ACCOUNT
    assert services.folder.settings.saved_secret(saved, 'oauth_refresh_token') is SavedSecret.FITS
    await app_user.should_see(f'Signed in as {ACCOUNT}.')

    app_user.find(marker='oauth-sign-out').click()
    await app_user.should_see('Not signed in.')
    assert services.folder.settings.saved_secret(saved, 'oauth_refresh_token') is SavedSecret.NOT_SAVED


async def test_a_paused_outbox_asks_to_sign_in_again_on_settings_and_emails(
    services: Services, app_user: User, provider: FakeProvider
) -> None:
    services.folder.settings.save(oauth_settings(provider))
    await app_user.open('/settings')
    await app_user.should_not_see(marker='sign-in-again')
    paused = EmailRecord(
        id='e1',
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        draft=make_draft(),
        status=EmailStatus.QUEUED,
        failure=Failure(Step.TOKEN, Cause.OAUTH_SIGN_IN_AGAIN, 'invalid_grant', True),
    )
    services.outbox.log.add(paused, ())
    await app_user.open('/settings')
    await app_user.should_see(marker='sign-in-again')
    await app_user.should_see('Sending is paused')
    await app_user.open('/emails')
    await app_user.should_see(marker='sign-in-again-link')


async def test_sign_in_with_a_code_shows_the_code_and_finishes_when_it_is_entered(
    app_user: User, provider: FakeProvider, mail_server: ServerInfo
) -> None:
    await fill_sign_in_form(app_user, provider, mail_server)
    app_user.find(marker='oauth-sign-in-code').click()
    await app_user.should_see(marker='oauth-progress', retries=BACKGROUND_RETRIES)
    await app_user.should_see(f'open {provider.url}/device', retries=BACKGROUND_RETRIES)
    [device] = provider.devices.values()
    await app_user.should_see(f'enter the code {device["user_code"]}')

    provider.approve_device(device['user_code'])

    await app_user.should_see(f'Signed in as {ACCOUNT}: press Update to save the sign-in.', retries=BACKGROUND_RETRIES)
    assert value_of(app_user, 'username') == ACCOUNT


async def test_testing_before_signing_in_says_to_sign_in(
    app_user: User, provider: FakeProvider, mail_server: ServerInfo
) -> None:
    await fill_sign_in_form(app_user, provider, mail_server)
    app_user.find(marker='test-settings').click()
    await app_user.should_see('Press Sign in to connect your account, then Update.')
    assert mail_server.recorder.connections == 0
