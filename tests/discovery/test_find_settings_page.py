"""Find my settings on the Email settings page, driven as a person would with NiceGUI's User, on a loopback network."""

from __future__ import annotations

import httpx
from nicegui.testing import User

from tests.discovery.support import VALID_CONFIG, network, web
from tests.support.dns_server import serve_zone
from tests.support.ui import BACKGROUND_RETRIES, value_of
from ui.services import Services

M365_ZONE = 'firm.test. 300 IN MX 0 firm-test.mail.protection.outlook.com.'


async def test_find_my_settings_shows_the_source_fills_the_form_and_offers_the_test(
    services: Services, app_user: User
) -> None:
    with serve_zone(M365_ZONE) as dns:
        services.discovery = network(dns)
        await app_user.open('/settings')
        app_user.find(marker='username').type('anna@firm.test')
        app_user.find(marker='find-settings').click()
        await app_user.should_see('Found: smtp.office365.com, port 587, STARTTLS', retries=BACKGROUND_RETRIES)
    await app_user.should_see(
        'your domain’s mail server firm-test.mail.protection.outlook.com belongs to Microsoft 365'
    )
    await app_user.should_see('Your domain’s mail servers (MX)')
    await app_user.should_not_see(marker='test-found-settings')
    app_user.find(marker='use-found-settings').click()
    assert (value_of(app_user, 'host'), value_of(app_user, 'port')) == ('smtp.office365.com', '587')
    assert value_of(app_user, 'username') == 'anna@firm.test'
    await app_user.should_see('Unsaved changes')
    assert services.folder.settings.load() is None  # filled in, not saved: Update saves
    app_user.find(marker='test-found-settings').click()
    await app_user.should_see('Correct the fields marked in red first, then test again.')  # the password is missing


async def test_a_username_that_is_the_local_part_moves_the_address_to_the_email_field(
    services: Services, app_user: User
) -> None:
    with serve_zone('') as dns:
        services.discovery = network(dns)
        await app_user.open('/settings')
        app_user.find(marker='username').type('anna@web.de')
        app_user.find(marker='find-settings').click()
        await app_user.should_see('Found: smtp.web.de, port 465, SSL/TLS', retries=BACKGROUND_RETRIES)
        app_user.find(marker='use-found-settings').click()
    assert (value_of(app_user, 'username'), value_of(app_user, 'email')) == ('anna', 'anna@web.de')
    assert (value_of(app_user, 'host'), value_of(app_user, 'port')) == ('smtp.web.de', '465')
    await app_user.should_see(marker='email')


async def test_find_my_settings_without_an_address_says_where_to_type_it(app_user: User) -> None:
    await app_user.open('/settings')
    app_user.find(marker='find-settings').click()
    await app_user.should_see('Type your email address in Username (or in Email address) first')


async def test_a_server_that_refuses_passwords_switches_the_form_to_its_sign_in(
    services: Services, app_user: User
) -> None:
    """Outlook.com takes no password from other programs: Use these settings chooses Sign in with Microsoft."""
    with serve_zone('') as dns:
        services.discovery = network(dns)
        await app_user.open('/settings')
        assert value_of(app_user, 'auth') == 'password'
        app_user.find(marker='username').type('anna@outlook.com')
        app_user.find(marker='find-settings').click()
        await app_user.should_see('Found: smtp-mail.outlook.com', retries=BACKGROUND_RETRIES)
        app_user.find(marker='use-found-settings').click()
    assert (value_of(app_user, 'auth'), value_of(app_user, 'oauth_provider')) == ('oauth', 'microsoft')
    await app_user.should_see('This server takes no password: sign in with Microsoft')
    await app_user.should_see('Sign in with Microsoft')


async def test_asking_thunderbirds_online_database_is_chosen_on_the_page_and_remembered(
    services: Services, app_user: User
) -> None:
    live = 'https://live.thunderbird.net/autoconfig/v1.1/shop.test'
    transport = web({live: lambda _request: httpx.Response(200, content=VALID_CONFIG)})
    with serve_zone('') as dns:
        services.discovery = network(dns, transport)
        await app_user.open('/settings')
        assert value_of(app_user, 'find-settings-online-ispdb') is False
        app_user.find(marker='find-settings-online-ispdb').click()
        app_user.find(marker='username').type('office@shop.test')
        app_user.find(marker='find-settings').click()
        await app_user.should_see('Found: out.shop.test, port 587, STARTTLS', retries=BACKGROUND_RETRIES)
    await app_user.should_see(f'Thunderbird’s online provider database ({live})')
    assert services.folder.preferences.online_ispdb() is True
    await app_user.open('/settings')
    assert value_of(app_user, 'find-settings-online-ispdb') is True


async def test_without_the_choice_the_page_never_asks_thunderbirds_online_database(
    services: Services, app_user: User
) -> None:
    transport = web()
    with serve_zone('') as dns:
        services.discovery = network(dns, transport)
        await app_user.open('/settings')
        app_user.find(marker='username').type('office@shop.test')
        app_user.find(marker='find-settings').click()
        await app_user.should_see('No settings found for shop.test', retries=BACKGROUND_RETRIES)
    await app_user.should_see('Not asked: it is turned off, because asking it tells Mozilla your domain.')
    assert not any(r.url.host == 'live.thunderbird.net' for r in transport.seen)  # type: ignore[attr-defined]
