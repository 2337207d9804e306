"""The one rule for email addresses, and that every place that takes an address follows it."""

from __future__ import annotations

from typing import Any

import pytest

from core import addresses
from core.addresses import AddressError
from core.documents import Contact, ContactKind, validate_contact
from core.message import MessageError, OutgoingMessage, build_mime, validate_message
from core.settings import EmailSettings, address_warnings, validate
from tests.email.conftest import smtp_settings


@pytest.mark.parametrize(
    'address', ['user@company.local', 'printer@home.arpa', 'ann@something.test', 'root@localhost', 'ann@intranet']
)
def test_internal_and_special_use_domains_are_accepted_with_a_warning(address: str) -> None:
    checked = addresses.parse(address)
    assert checked.envelope == address
    assert checked.local_network
    [warning] = addresses.warnings([checked])
    assert 'only inside its own network' in warning and address in warning


def test_a_public_domain_gets_no_warning() -> None:
    checked = addresses.parse('anna@example.com')
    assert not checked.local_network and addresses.warnings([checked]) == []


def test_the_never_existing_invalid_domain_is_refused_in_plain_words() -> None:
    with pytest.raises(AddressError, match='never exist'):
        addresses.parse('anna@mail.invalid')


def test_a_quoted_display_name_with_a_comma_stays_whole() -> None:
    [doe, ann] = addresses.parse_list('"Doe, John" <j@x.example>; ann@y.example')
    assert (doe.display_name, doe.envelope) == ('Doe, John', 'j@x.example')
    assert doe.header == '"Doe, John" <j@x.example>'
    assert ann.envelope == 'ann@y.example'
    assert addresses.split_list('"Doe, John" <j@x.example>, ann@y.example') == [
        '"Doe, John" <j@x.example>',
        'ann@y.example',
    ]


def test_an_unquoted_comma_splits_and_the_half_without_an_at_is_named() -> None:
    with pytest.raises(AddressError) as caught:
        addresses.parse_list('Doe, John <j@x.example>')
    assert caught.value.problem.startswith('"Doe" is not a valid email address')


def test_an_international_domain_becomes_a_labels_for_the_envelope() -> None:
    checked = addresses.parse('anna@bær.is')
    assert checked.address == 'anna@bær.is'
    assert checked.envelope == 'anna@xn--br-1ia.is'
    assert not checked.smtputf8


def test_letters_beyond_ascii_before_the_at_are_accepted_and_need_smtputf8() -> None:
    checked = addresses.parse('jörg@example.de')
    assert checked.smtputf8 and checked.envelope == 'jörg@example.de'
    assert 'SMTPUTF8' in ' '.join(addresses.warnings([checked]))


def test_jorg_is_handled_the_same_in_settings_contacts_and_the_message() -> None:
    settings = EmailSettings(host='smtp.example.de', username='jörg@example.de', password='pw')
    assert validate(settings) == {}
    assert 'SMTPUTF8' in address_warnings(settings)['username']
    assert validate_contact(Contact('c', ContactKind.CUSTOMER, 'Jörg', ('jörg@example.de',))) == {}
    message = OutgoingMessage(sender_address='jörg@example.de', to=('Jörg <jörg@exämple.de>',), subject='Hi')
    built = build_mime(message)
    assert built.smtputf8
    assert built.envelope_from == 'jörg@example.de'
    assert built.envelope_recipients == ['jörg@xn--exmple-cua.de']
    assert 'To: Jörg <jörg@xn--exmple-cua.de>'.encode() in built.as_bytes()


@pytest.mark.parametrize('garbage', ['garbage', 'a@b@c.example', '@example.com', 'anna@', 'anna@-x.example', 'x y'])
def test_garbage_is_refused_naming_the_address(garbage: str) -> None:
    with pytest.raises(AddressError):
        addresses.parse_list(garbage)
    assert addresses.list_problem(garbage) is not None


def test_a_line_break_is_never_an_address() -> None:
    with pytest.raises(AddressError, match='line break'):
        addresses.parse('anna@example.com\r\nBcc: victim@example.net')


def test_an_empty_required_list_asks_for_an_address() -> None:
    assert addresses.list_problem('  ', required=True) == 'Enter at least one email address.'
    assert addresses.list_problem('  ') is None


def test_the_message_keeps_display_names_in_headers_and_plain_addresses_in_the_envelope() -> None:
    message = OutgoingMessage(
        sender_address='billing@company.local', to=('"Doe, John" <j@x.example>',), cc=('ann@home.arpa',), subject='Hi'
    )
    built = build_mime(message)
    assert built.envelope_from == 'billing@company.local'
    assert built.envelope_recipients == ['j@x.example', 'ann@home.arpa']
    assert built.mime['To'] == '"Doe, John" <j@x.example>'
    assert not built.smtputf8


def test_a_message_error_names_the_field_in_page_words() -> None:
    with pytest.raises(MessageError) as caught:
        validate_message(OutgoingMessage(sender_address='not an address', to=('a@x.example',), subject='Hi'))
    assert caught.value.field == 'sender_address'
    assert 'sender_address' not in str(caught.value)
    assert str(caught.value).startswith('The sender address (Email settings) "not an address" is not a valid')


def test_settings_accept_internal_addresses_everywhere_with_the_warning_on_each_field() -> None:
    internal: dict[str, Any] = {
        'email': 'owner@company.local',
        'bcc': 'archive@home.arpa',
        'reply_to': 'office@something.test',
    }
    settings = smtp_settings(host='mail.company.local', username='owner', **internal)
    assert validate(settings) == {}
    assert set(address_warnings(settings)) == {'email', 'bcc', 'reply_to'}


def test_a_settings_address_field_takes_the_bare_address_only() -> None:
    settings = smtp_settings(host='smtp.example.com', username='owner@example.com', bcc='Archive <a@x.example>')
    assert validate(settings) == {'bcc': 'Enter only the address (a@x.example) here, without a name.'}


def test_a_contact_named_in_its_address_prints_the_bare_address() -> None:
    contact = Contact('c', ContactKind.CUSTOMER, 'Doe', ('"Doe, John" <john@example.is>', 'books@example.is'))
    assert contact.primary_email == 'john@example.is'
