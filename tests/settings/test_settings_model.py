"""EmailSettings: derived facts and validation, as the form and every other module rely on them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.settings import EmailSettings, Protocol, Security, suggest_host_fix, url_warning, validate

GOOD_SMTP = EmailSettings(host='smtp.example.com', port=587, username='office@example.com', password='pw')


def test_valid_smtp_settings_have_no_errors() -> None:
    assert validate(GOOD_SMTP) == {}


@pytest.mark.parametrize(
    ('port', 'expected'),
    [(465, Security.SSL), (587, Security.STARTTLS), (25, Security.STARTTLS), (2525, Security.STARTTLS)],
)
def test_auto_security_follows_the_port(port: int, expected: Security) -> None:
    assert EmailSettings(port=port).effective_security is expected


def test_username_that_is_not_an_email_requires_the_email_field() -> None:
    settings = EmailSettings(host='smtp.example.com', username='office', password='pw')
    assert settings.needs_email_field
    assert 'email' in validate(settings)
    filled = EmailSettings(host='smtp.example.com', username='office', email='office@example.com', password='pw')
    assert validate(filled) == {}
    assert filled.sender_address == 'office@example.com'


def test_email_username_is_the_sender() -> None:
    assert not GOOD_SMTP.needs_email_field
    assert GOOD_SMTP.sender_address == 'office@example.com'


def test_blank_password_is_allowed_only_when_one_is_stored() -> None:
    blank = EmailSettings(host='smtp.example.com', username='office@example.com')
    assert 'password' in validate(blank)
    assert validate(blank, has_stored_password=True) == {}


def test_security_none_needs_explicit_acceptance() -> None:
    plain = EmailSettings(host='mail.lan', port=25, security=Security.NONE, username='a@b.example', password='pw')
    assert 'security' in validate(plain)
    assert (
        validate(EmailSettings.from_dict({**plain.to_public_dict(), 'password': 'pw', 'allow_plaintext': True})) == {}
    )


@pytest.mark.parametrize('host', ['smtp.gmail.com', 'póstur.dæmi.is', '192.0.2.10', '::1', 'localhost'])
def test_host_names_idna_and_ip_literals_are_accepted(host: str) -> None:
    assert 'host' not in validate(EmailSettings(host=host, username='a@b.example', password='x'))


@pytest.mark.parametrize('host', ['', 'smtp gmail com', '-bad-.example', 'a..b', 'x' * 64 + '.com'])
def test_bad_host_names_are_refused(host: str) -> None:
    assert 'host' in validate(EmailSettings(host=host, username='a@b.example', password='x'))


@pytest.mark.parametrize(
    ('typed', 'host', 'port', 'security'),
    [
        ('smtp.gmail.com:587', 'smtp.gmail.com', 587, None),
        ('smtps://smtp.gmail.com', 'smtp.gmail.com', 465, Security.SSL),
        ('smtp://mail.example.com:2525', 'mail.example.com', 2525, None),
        ('smtp.mail.yahoo.com:465', 'smtp.mail.yahoo.com', 465, Security.SSL),
    ],
)
def test_host_with_port_or_scheme_gets_a_fix(typed: str, host: str, port: int, security: Security | None) -> None:
    fix = suggest_host_fix(typed)
    assert fix is not None
    assert (fix.host, fix.port, fix.security) == (host, port, security)
    assert 'host' in validate(EmailSettings(host=typed, username='a@b.example', password='x'))


def test_plain_host_needs_no_fix() -> None:
    assert suggest_host_fix('smtp.gmail.com') is None


def test_port_out_of_range_is_refused() -> None:
    assert 'port' in validate(EmailSettings(host='smtp.example.com', port=70000, username='a@b.example', password='x'))


def test_http_requires_url_and_reply_to() -> None:
    errors = validate(EmailSettings(protocol=Protocol.HTTP))
    assert set(errors) == {'http_server', 'reply_to'}
    ok = EmailSettings(protocol=Protocol.HTTP, http_server='https://email.example.com', reply_to='me@example.com')
    assert validate(ok) == {}
    assert ok.sender_address == 'me@example.com'
    assert ok.reply_to_address == 'me@example.com'


def test_plain_http_warns_except_on_loopback() -> None:
    assert url_warning('http://email.example.com') is not None
    assert url_warning('http://127.0.0.1:8025') is None
    assert url_warning('https://email.example.com') is None


def test_bcc_and_reply_to_only_count_when_ticked() -> None:
    settings = EmailSettings(bcc='copy@example.com', reply_to='replies@example.com')
    assert settings.bcc_address is None and settings.reply_to_address is None
    ticked = EmailSettings(bcc_enabled=True, bcc='copy@example.com', reply_to_enabled=True, reply_to='r@example.com')
    assert ticked.bcc_address == 'copy@example.com' and ticked.reply_to_address == 'r@example.com'


def test_ticked_options_need_valid_addresses() -> None:
    settings = EmailSettings(
        host='smtp.example.com',
        username='a@b.example',
        password='x',
        bcc_enabled=True,
        bcc='not-an-address',
        reply_to_enabled=True,
    )
    assert set(validate(settings)) == {'bcc', 'reply_to'}


def test_password_is_not_in_repr() -> None:
    assert 'pw' not in repr(GOOD_SMTP).replace('password', '')


def test_text_fields_are_trimmed_once_when_read_but_secrets_are_kept_as_typed() -> None:
    typed = EmailSettings.from_dict(
        {
            'host': ' smtp.example.com\t',
            'username': ' me@example.com ',
            'email': ' ',
            'bcc': ' copy@example.com ',
            'reply_to': ' replies@example.com ',
            'http_server': ' https://email.example.com ',
            'password': ' pass word ',
            'http_token': ' token ',
        }
    )
    assert (typed.host, typed.username, typed.email) == ('smtp.example.com', 'me@example.com', '')
    assert (typed.bcc, typed.reply_to, typed.http_server) == (
        'copy@example.com',
        'replies@example.com',
        'https://email.example.com',
    )
    assert (typed.password, typed.http_token) == (' pass word ', ' token ')
    assert replace(typed, host=' other.example.com ').host == 'other.example.com'
