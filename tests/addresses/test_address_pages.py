"""Settings, contacts and the compose dialog take addresses by the one rule, as a person sees it on the page."""

from __future__ import annotations

import socket

import pytest
from nicegui import ui
from nicegui.testing import User

from core.outbox import Outbox
from core.transport.memory import MemoryTransport
from storage.sample import seed_sample_data
from tests.email.conftest import open_compose, send_with
from tests.support.ui import BACKGROUND_RETRIES, set_value, value_element
from tests.support.waiting import wait_until
from ui.services import Services

PASSWORD = 's3cret-app-password'
LOCAL_WARNING = 'only inside its own network'


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on: the settings test gets past its input step and stops at connect."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return int(probe.getsockname()[1])


async def open_settings_with(user: User, host: str, username: str, bcc: str | None = None) -> None:
    """Open the settings page and type a connection (and a Copy (BCC) address, if given) as a person would."""
    await user.open('/settings')
    user.find(marker='host').type(host)
    user.find(marker='username').type(username)
    user.find(marker='password').type(PASSWORD)
    if bcc is not None:
        user.find('Send a copy of all emails to this address').click()
        user.find(marker='bcc').type(bcc)


def error_of(user: User, marker: str) -> str | None:
    """The red message under a field, None while the field is not marked."""
    field = value_element(user, marker)
    assert isinstance(field, ui.input)
    return field.error


async def test_settings_accept_internal_addresses_and_show_the_warning(app_user: User, services: Services) -> None:
    await open_settings_with(app_user, 'mail.company.local', 'owner@company.local', bcc='archive@home.arpa')
    await app_user.should_see('owner@company.local is on an internal domain (company.local)')
    await app_user.should_see('archive@home.arpa is on an internal domain (home.arpa)')
    await app_user.should_see(LOCAL_WARNING)
    app_user.find('Update').click()
    await app_user.should_see('Email settings saved')
    saved = services.folder.settings.load()
    assert saved is not None and saved.sender_address == 'owner@company.local' and saved.bcc == 'archive@home.arpa'


async def test_a_wrong_address_is_named_in_page_words_and_its_field_turns_red(
    app_user: User, services: Services
) -> None:
    await open_settings_with(app_user, 'smtp.example.com', 'office@example.com', bcc='records@@example.com')
    app_user.find('Update').click()
    await app_user.should_see('Not saved. Copy (BCC) address: "records@@example.com" is not a valid email address')
    assert (error_of(app_user, 'bcc') or '').startswith('"records@@example.com" is not a valid email address')
    assert error_of(app_user, 'username') is None
    await app_user.should_not_see('sender_address')
    assert services.folder.settings.load() is None


@pytest.mark.parametrize(
    ('username', 'email', 'bcc', 'valid'),
    [
        ('jörg@example.de', '', '', True),  # letters beyond English before the @
        ('owner', 'owner@company.local', '', True),  # an internal domain
        ('"Doe, John" <owner@example.com>', '', '', False),  # a display name is no username: the address is missing
        ('owner@example.com', '', 'records@@example.com', False),  # plain wrong
        ('owner@example.com', '', 'records@mail.invalid', False),  # a name that never exists
    ],
)
async def test_update_refuses_exactly_what_the_test_refuses(
    app_user: User, services: Services, username: str, email: str, bcc: str, valid: bool
) -> None:
    await app_user.open('/settings')
    app_user.find(marker='host').type('127.0.0.1')
    app_user.find(marker='port').clear().type(str(closed_port()))
    set_value(app_user, 'security', 'starttls')
    app_user.find(marker='username').type(username)
    if email:
        app_user.find(marker='email').type(email)
    app_user.find(marker='password').type(PASSWORD)
    if bcc:
        app_user.find('Send a copy of all emails to this address').click()
        app_user.find(marker='bcc').type(bcc)
    app_user.find('Update').click()
    await app_user.should_see('Email settings saved' if valid else 'Not saved')
    saved = services.folder.settings.load() is not None

    set_value(app_user, 'test-mode', 'check')
    app_user.find(marker='test-settings').click()
    if saved:
        await app_user.should_see(marker='step-connect', retries=BACKGROUND_RETRIES)
        (row,) = app_user.find(marker='step-input').elements
        statuses = {marker for element in row.descendants() for marker in element._markers}
        assert statuses & {'status-ok', 'status-warn'} and 'status-fail' not in statuses
    else:
        await app_user.should_see('Correct the fields marked in red first')
        await app_user.should_not_see(marker='step-input')
    button = next(iter(app_user.find(marker='test-settings').elements))
    assert isinstance(button, ui.button)
    await wait_until(lambda: button.enabled, message='the Test button to be enabled again')


async def test_contacts_accept_internal_addresses_and_show_the_warning(app_user: User, services: Services) -> None:
    seed_sample_data(services.folder)
    await app_user.open('/contacts/new/customer')
    app_user.find(marker='name').type('Intranet Ltd')
    app_user.find(marker='emails').type('"Doe, John" <john@company.local>\nbooks@example.is')
    await app_user.should_see('john@company.local is on an internal domain (company.local)')
    app_user.find(marker='save').click()
    await app_user.should_see('Intranet Ltd saved.')
    created = next(c for c in services.folder.contacts.all() if c.name == 'Intranet Ltd')
    assert created.emails == ('"Doe, John" <john@company.local>', 'books@example.is')


async def test_a_wrong_contact_address_is_named_and_marked(app_user: User, services: Services) -> None:
    seed_sample_data(services.folder)
    await app_user.open('/contacts/new/customer')
    app_user.find(marker='name').type('Typo Ltd')
    app_user.find(marker='emails').type('books@example..is')
    app_user.find(marker='save').click()
    await app_user.should_see('Not saved. To (one address per line; documents go to each): "books@example..is"')
    (field,) = app_user.find(marker='emails').elements
    assert isinstance(field, ui.textarea) and field.error is not None
    assert all(c.name != 'Typo Ltd' for c in services.folder.contacts.all())


async def test_compose_sends_to_an_internal_address_and_keeps_a_quoted_name_whole(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    await open_compose(app_user, services, bcc_enabled=False)
    set_value(app_user, 'compose-to', 'user@company.local')
    set_value(app_user, 'compose-cc', '"Doe, John" <john@example.is>')
    await app_user.should_see('user@company.local is on an internal domain (company.local)')
    app_user.find(marker='compose-send').click()
    await app_user.should_see('Sent to user@company.local, john@example.is', retries=BACKGROUND_RETRIES)
    [delivered] = transport.delivered
    assert delivered.built.envelope_recipients == ['user@company.local', 'john@example.is']
    assert delivered.built.mime['Cc'] == '"Doe, John" <john@example.is>'


async def test_compose_names_the_wrong_field(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    await open_compose(app_user, services)
    send_with(app_user, cc='Doe, John <john@example.is>')
    await app_user.should_see('Not sent: check Cc (marked in red).')
    assert (error_of(app_user, 'compose-cc') or '').startswith('"Doe" is not a valid email address')
    assert error_of(app_user, 'compose-to') is None
    assert transport.delivered == []


async def test_a_wrong_test_recipient_turns_red_and_the_test_does_not_start(app_user: User) -> None:
    await open_settings_with(app_user, '127.0.0.1', 'owner@company.local')
    app_user.find(marker='test-recipient').type('Doe, John <john@company.local>')
    app_user.find(marker='test-settings').click()
    await app_user.should_see('Correct the fields marked in red first')
    assert (error_of(app_user, 'test-recipient') or '').startswith(
        '"Doe, John <john@company.local>" is not one email address: put a name with a comma in quotes'
    )
    await app_user.should_not_see(marker='step-input')


async def test_the_business_email_may_be_internal_and_a_wrong_one_is_named(app_user: User, services: Services) -> None:
    seed_sample_data(services.folder)
    await app_user.open('/business')
    app_user.find(marker='email').clear().type('office@@company.local')
    app_user.find(marker='save').click()
    await app_user.should_see('Not saved. Email: "office@@company.local" is not a valid email address')
    app_user.find(marker='email').clear().type('office@company.local')
    app_user.find(marker='save').click()
    await app_user.should_see('Business profile saved.')
    profile = services.folder.business.load()
    assert profile is not None and profile.email == 'office@company.local'
