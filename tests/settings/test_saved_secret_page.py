"""On the page, a changed connection asks for the password again: Test and Update never send the saved one there."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from cryptography.fernet import Fernet
from nicegui.testing import User

from core.settings import EmailSettings
from storage.secrets import SecretBox
from storage.settings_repo import SettingsRepository
from tests.settings.saved_secret_cases import (
    CASES,
    SAVED_PASSWORD,
    USER,
    capture_server,
    case_on_capture_server,
    nothing_sent,
)
from tests.support.certs import TestPKI
from tests.support.ui import BACKGROUND_RETRIES, set_value, value_element
from tests.support.waiting import wait_until
from ui.services import Services

SAVED = 'Saved — leave blank to keep'
QUIET_SECONDS = 3.0  # a test started by mistake would reach the local server well within this


async def change_to(user: User, target: EmailSettings) -> None:
    """Make the form show `target`, as a person would."""
    user.find(marker='host').clear().type(target.host)
    user.find(marker='port').clear().type(str(target.port))
    user.find(marker='username').clear().type(target.username)
    if target.skip_tls_verify:
        user.find('Do not verify TLS certificate').click()
    if target.allow_plaintext:
        set_value(user, 'security', 'none')
        await user.should_see('Send without encryption?')
        user.find('I understand, send unencrypted').click()


@pytest.mark.parametrize('case', CASES)
async def test_a_changed_connection_asks_again_and_never_gets_the_saved_password(
    app_user: User, services: Services, trusted: TestPKI, case: str
) -> None:
    async with case_on_capture_server(trusted, case) as (server, saved, target):
        services.folder.settings.save(replace(saved, password=SAVED_PASSWORD))
        await app_user.open('/settings')
        password = value_element(app_user, 'password')
        assert password.props['placeholder'] == SAVED
        await change_to(app_user, target)
        await wait_until(lambda: password.props['placeholder'] == '', message='the saved-password hint to go')
        assert password.props['placeholder'] == ''
        app_user.find(marker='test-settings').click()
        await app_user.should_see('Enter the password (for Gmail, Yahoo and iCloud: an app password).')
        app_user.find('Update').click()
        await app_user.should_see('Not saved')
        await asyncio.sleep(QUIET_SECONDS)  # nothing may reach the server, so no event to wait for
        assert nothing_sent(server)
        assert server.recorder.connections == 0
        app_user.find(marker='password').type('typed-for-this-connection')
        app_user.find(marker='test-settings').click()
        await wait_until(lambda: server.recorder.auth_attempts, message='the test to sign in')
        assert [a.password for a in server.recorder.auth_attempts] == ['typed-for-this-connection']


async def test_the_same_connection_keeps_using_the_saved_password(
    app_user: User, services: Services, trusted: TestPKI
) -> None:
    async with capture_server(trusted) as server:
        saved, _ = CASES['host'](server.port)
        services.folder.settings.save(replace(saved, host='127.0.0.1', password=SAVED_PASSWORD))
        await app_user.open('/settings')
        app_user.find('Send a copy of all emails to this address').click()
        app_user.find(marker='bcc').type('books@example.com')
        app_user.find(marker='test-settings').click()
        await app_user.should_see('Your email settings work', retries=BACKGROUND_RETRIES)
    assert [(a.login, a.password) for a in server.recorder.auth_attempts] == [(USER, SAVED_PASSWORD)]


async def test_a_password_the_key_no_longer_opens_is_asked_for_again(app_user: User, services: Services) -> None:
    settings = EmailSettings(host='smtp.example.com', username=USER, password=SAVED_PASSWORD)
    SettingsRepository(services.folder.db, SecretBox(Fernet.generate_key())).save(settings)  # another key's secret
    await app_user.open('/settings')
    await app_user.should_see('The saved password can no longer be read: enter it again.')
    assert value_element(app_user, 'password').props['placeholder'] == ''
    app_user.find('Update').click()
    await app_user.should_see('Enter the password (for Gmail, Yahoo and iCloud: an app password).')
    app_user.find(marker='password').type('entered-again')
    await app_user.should_not_see('The saved password can no longer be read')
    app_user.find('Update').click()
    await app_user.should_see('Email settings saved')
    assert services.folder.settings.load() == replace(settings, password='entered-again')
