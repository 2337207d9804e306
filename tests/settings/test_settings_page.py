"""The Email settings page as a person uses it: every conditional field, provider help, validation, Update."""

from __future__ import annotations

import httpx
from nicegui import core
from nicegui.testing import User

from core.settings import EmailSettings, Protocol, Security
from tests.support.ui import set_value, value_element, value_of
from ui.services import Services

PASSWORD = 's3cret-app-password'


async def fill_valid_smtp(user: User) -> None:
    user.find(marker='host').type('smtp.example.com')
    user.find(marker='username').type('office@example.com')
    user.find(marker='password').type(PASSWORD)


async def test_the_seed_form_is_all_there(app_user: User) -> None:
    await app_user.open('/settings')
    for text in (
        'Protocol',
        'Show password',
        'Send a copy of all emails to this address',
        'Receive replies at a different email address than you send from',
        'Do not verify TLS certificate',
        'Test email settings',
        'Update',
    ):
        await app_user.should_see(text)
    for marker in ('host', 'port', 'username', 'password', 'security', 'port-465', 'port-587', 'port-25'):
        await app_user.should_see(marker=marker)


async def test_email_field_appears_only_for_a_non_email_username(app_user: User) -> None:
    await app_user.open('/settings')
    app_user.find(marker='username').type('office@example.com')
    await app_user.should_not_see(marker='email')
    app_user.find(marker='username').clear().type('office')
    await app_user.should_see(marker='email')
    await app_user.should_see('Your username is not an email address: enter the address you send from.')


async def test_http_protocol_shows_server_and_reply_to_only(app_user: User) -> None:
    await app_user.open('/settings')
    set_value(app_user, 'protocol', 'http')
    await app_user.should_see(marker='http_server')
    await app_user.should_see(marker='reply_to_http')
    await app_user.should_not_see(marker='host')
    await app_user.should_not_see(marker='password')
    app_user.find(marker='http_server').type('http://email.example.com')
    await app_user.should_see('This address is not encrypted')


async def test_copy_and_reply_to_checkboxes_reveal_their_fields(app_user: User) -> None:
    await app_user.open('/settings')
    await app_user.should_not_see(marker='bcc')
    app_user.find('Send a copy of all emails to this address').click()
    await app_user.should_see(marker='bcc')
    await app_user.should_not_see(marker='reply_to')
    app_user.find('Receive replies at a different email address than you send from').click()
    await app_user.should_see(marker='reply_to')


async def test_show_password_switches_the_input_type(app_user: User) -> None:
    await app_user.open('/settings')
    password = next(iter(app_user.find(marker='password').elements))
    assert password.props['type'] == 'password'
    app_user.find('Show password').click()
    assert password.props['type'] == 'text'
    app_user.find('Show password').click()
    assert password.props['type'] == 'password'


async def test_port_quick_choices_explain_themselves(app_user: User) -> None:
    await app_user.open('/settings')
    app_user.find(marker='port-465').click()
    assert value_of(app_user, 'port') == '465'
    await app_user.should_see('Encrypted from the first byte (SSL/TLS). Recommended.')
    app_user.find(marker='port').clear().type('2525')
    await app_user.should_see('A custom port: ask your provider which security it expects.')


async def test_gmail_address_brings_the_provider_card_and_its_settings(app_user: User) -> None:
    await app_user.open('/settings')
    app_user.find(marker='username').type('someone@gmail.com')
    await app_user.should_see('Gmail detected')
    app_user.find('Use these settings').click()
    assert value_of(app_user, 'host') == 'smtp.gmail.com'
    assert value_of(app_user, 'port') == '587'


async def test_skipping_tls_verification_warns_harder_for_big_providers(app_user: User) -> None:
    await app_user.open('/settings')
    app_user.find(marker='host').type('smtp.gmail.com')
    app_user.find('Do not verify TLS certificate').click()
    await app_user.should_see('something between you and the server is intercepting the connection')
    app_user.find(marker='host').clear().type('mail.my-own-server.example')
    await app_user.should_see('Use it only when you send from your own server with a self-signed certificate.')


async def test_host_with_port_offers_a_fix(app_user: User) -> None:
    await app_user.open('/settings')
    app_user.find(marker='host').type('smtps://smtp.example.com')
    await app_user.should_see('Did you mean SMTP server "smtp.example.com", port 465, SSL/TLS?')
    app_user.find(marker='apply-host-fix').click()
    assert value_of(app_user, 'host') == 'smtp.example.com'
    assert value_of(app_user, 'port') == '465'


async def test_update_refuses_invalid_settings_and_saves_nothing(app_user: User, services: Services) -> None:
    await app_user.open('/settings')
    app_user.find(marker='username').type('office')
    app_user.find('Update').click()
    await app_user.should_see('Not saved')
    await app_user.should_see('Enter the SMTP server name, for example smtp.gmail.com.')
    await app_user.should_see('Your username is not an email address: enter the address you send from.')
    assert services.folder.settings.load() is None


async def test_update_saves_and_a_reload_shows_everything_but_the_password(app_user: User, services: Services) -> None:
    await app_user.open('/settings')
    await fill_valid_smtp(app_user)
    app_user.find('Send a copy of all emails to this address').click()
    app_user.find(marker='bcc').type('records@example.com')
    await app_user.should_see('Unsaved changes')
    app_user.find('Update').click()
    await app_user.should_see('Email settings saved')
    saved = services.folder.settings.load()
    assert saved == EmailSettings(
        host='smtp.example.com',
        username='office@example.com',
        password=PASSWORD,
        bcc_enabled=True,
        bcc='records@example.com',
    )
    assert value_of(app_user, 'password') == ''
    await app_user.should_not_see('Unsaved changes')

    await app_user.open('/settings')
    assert value_of(app_user, 'host') == 'smtp.example.com'
    assert value_of(app_user, 'bcc') == 'records@example.com'
    assert value_of(app_user, 'password') == ''
    password = next(iter(app_user.find(marker='password').elements))
    assert password.props['placeholder'] == 'Saved — leave blank to keep'
    app_user.find(marker='bcc').clear().type('books@example.com')
    await app_user.should_see('Unsaved changes')
    app_user.find('Update').click()
    await app_user.should_see('Email settings saved')
    resaved = services.folder.settings.load()
    assert resaved is not None and resaved.bcc == 'books@example.com' and resaved.password == PASSWORD


async def test_a_new_server_needs_its_own_password(app_user: User, services: Services) -> None:
    services.folder.settings.save(EmailSettings(host='smtp.example.com', username='office@example.com', password='pw'))
    await app_user.open('/settings')
    password = value_element(app_user, 'password')
    assert password.props['placeholder'] == 'Saved — leave blank to keep'
    app_user.find(marker='host').clear().type('smtp.other.example')
    assert password.props['placeholder'] == ''
    app_user.find('Update').click()
    await app_user.should_see('Enter the password (for Gmail, Yahoo and iCloud: an app password).')
    saved = services.folder.settings.load()
    assert saved is not None and saved.host == 'smtp.example.com' and saved.password == 'pw'


async def test_no_encryption_needs_an_explicit_yes(app_user: User, services: Services) -> None:
    await app_user.open('/settings')
    await fill_valid_smtp(app_user)
    set_value(app_user, 'security', Security.NONE.value)
    await app_user.should_see('Send without encryption?')
    app_user.find('Keep encryption').click()
    await app_user.should_not_see('Send without encryption?')
    assert value_of(app_user, 'security') == Security.AUTO.value
    set_value(app_user, 'security', Security.NONE.value)
    await app_user.should_see('Send without encryption?')
    app_user.find('I understand, send unencrypted').click()
    await app_user.should_not_see('Send without encryption?')
    app_user.find('Update').click()
    await app_user.should_see('Email settings saved')
    saved = services.folder.settings.load()
    assert saved is not None and saved.security is Security.NONE and saved.allow_plaintext


async def test_http_settings_save(app_user: User, services: Services) -> None:
    await app_user.open('/settings')
    set_value(app_user, 'protocol', 'http')
    app_user.find(marker='http_server').type('https://email.example.com')
    app_user.find(marker='reply_to_http').type('office@example.com')
    app_user.find('Update').click()
    await app_user.should_see('Email settings saved')
    saved = services.folder.settings.load()
    assert saved is not None and saved.protocol is Protocol.HTTP and saved.reply_to_address == 'office@example.com'


async def test_status_route_and_foreign_host_names_are_refused(app_user: User) -> None:
    await app_user.open('/settings')
    transport = httpx.ASGITransport(core.app)
    async with httpx.AsyncClient(transport=transport, base_url='http://127.0.0.1:8080') as client:
        assert (await client.get('/status')).json() == {'status': 'ok'}
        assert (await client.get('/status', headers={'host': 'localhost:8080'})).status_code == 200
        assert (await client.get('/status', headers={'host': '[::1]:8080'})).status_code == 200
        refused = await client.get('/settings', headers={'host': 'attacker.example:8080'})
        assert refused.status_code == 403
        assert (await client.get('/status', headers={'host': 'attacker.example'})).status_code == 403
