"""Two windows on the settings page: Update never silently overwrites what the other window saved meanwhile."""

from __future__ import annotations

from nicegui.testing import User

from core.settings import EmailSettings
from tests.support.ui import value_of
from ui.services import Services

CHANGED_ELSEWHERE = 'These settings were changed in another window since you opened this page.'


async def two_windows(app_user: User, services: Services) -> tuple[User, User]:
    """Both opened on the same saved settings; the first saves a copy address, the second has typed another."""
    services.folder.settings.save(
        EmailSettings(host='smtp.example.com', username='office@example.com', password='pw', bcc_enabled=True)
    )
    first, second = app_user, User(app_user.http_client)
    await first.open('/settings')
    await second.open('/settings')
    first.find(marker='bcc').type('first@example.com')
    first.find('Update').click()
    await first.should_see('Email settings saved')
    second.find(marker='bcc').type('second@example.com')
    second.find('Update').click()
    await second.should_see(CHANGED_ELSEWHERE)
    return first, second


async def test_saving_over_another_windows_save_asks_and_overwrite_saves(app_user: User, services: Services) -> None:
    _, second = await two_windows(app_user, services)
    saved = services.folder.settings.load()
    assert saved is not None and saved.bcc == 'first@example.com'
    second.find(marker='overwrite-settings').click()
    await second.should_see('Email settings saved')
    saved = services.folder.settings.load()
    assert saved is not None and saved.bcc == 'second@example.com' and saved.password == 'pw'


async def test_reload_shows_the_other_windows_save_and_saves_nothing(app_user: User, services: Services) -> None:
    _, second = await two_windows(app_user, services)
    second.find(marker='reload-settings').click()
    await second.should_see('Showing the settings saved in the other window.')
    assert value_of(second, 'bcc') == 'first@example.com'
    saved = services.folder.settings.load()
    assert saved is not None and saved.bcc == 'first@example.com'
    second.find(marker='bcc').clear().type('third@example.com')
    second.find('Update').click()  # now up to date: no question
    await second.should_see('Email settings saved')
    saved = services.folder.settings.load()
    assert saved is not None and saved.bcc == 'third@example.com'


async def test_one_window_saving_twice_is_not_asked(app_user: User, services: Services) -> None:
    await app_user.open('/settings')
    app_user.find(marker='host').type('smtp.example.com')
    app_user.find(marker='username').type('office@example.com')
    app_user.find(marker='password').type('pw')
    app_user.find('Update').click()
    await app_user.should_see('Email settings saved')
    app_user.find('Send a copy of all emails to this address').click()
    app_user.find(marker='bcc').type('records@example.com')
    app_user.notify.messages.clear()
    app_user.find('Update').click()
    await app_user.should_see('Email settings saved')
    await app_user.should_not_see(CHANGED_ELSEWHERE)
    saved = services.folder.settings.load()
    assert saved is not None and saved.bcc == 'records@example.com'
