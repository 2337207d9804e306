"""Provider recognition from hosts and addresses, MX mistakes, and the content every provider card relies on."""

from __future__ import annotations

import pytest

from core.providers import (
    ALL_PROVIDERS,
    ZOHO_REGIONS,
    Provider,
    detect_provider,
    get_provider,
    inbound_mx_advice,
    is_inbound_mx_host,
    is_well_known_host,
)
from core.settings import Security, host_error


def _key_and_host(provider: Provider | None) -> tuple[str, str] | None:
    return (provider.key, provider.host) if provider else None


@pytest.mark.parametrize(
    ('host', 'key', 'recommended'),
    [
        ('smtp.gmail.com', 'gmail', 'smtp.gmail.com'),
        ('smtp-relay.gmail.com', 'google-workspace', 'smtp-relay.gmail.com'),
        ('smtp.mail.yahoo.com', 'yahoo', 'smtp.mail.yahoo.com'),
        ('smtp-mail.outlook.com', 'outlook', 'smtp-mail.outlook.com'),
        ('smtp.live.com', 'outlook', 'smtp-mail.outlook.com'),
        ('smtp.office365.com', 'microsoft365', 'smtp.office365.com'),
        ('smtp-legacy.office365.com', 'microsoft365', 'smtp.office365.com'),
        ('smtp.office365.us', 'microsoft365', 'smtp.office365.us'),
        ('smtp.mail.me.com', 'icloud', 'smtp.mail.me.com'),
        ('smtp.me.com', 'icloud', 'smtp.mail.me.com'),
        ('smtp.zoho.com', 'zoho', 'smtp.zoho.com'),
        ('smtp.fastmail.com', 'fastmail', 'smtp.fastmail.com'),
        ('mail.gmx.com', 'gmx', 'mail.gmx.com'),
        ('mail.gmx.net', 'gmx', 'mail.gmx.net'),
        ('smtp.aol.com', 'aol', 'smtp.aol.com'),
    ],
)
def test_submission_host_is_recognised(host: str, key: str, recommended: str) -> None:
    assert _key_and_host(detect_provider(host=host)) == (key, recommended)
    assert not is_inbound_mx_host(host)
    assert inbound_mx_advice(host) is None


@pytest.mark.parametrize(
    ('email', 'key', 'recommended'),
    [
        ('someone@gmail.com', 'gmail', 'smtp.gmail.com'),
        ('someone@googlemail.com', 'gmail', 'smtp.gmail.com'),
        ('someone@yahoo.com', 'yahoo', 'smtp.mail.yahoo.com'),
        ('someone@yahoo.co.uk', 'yahoo', 'smtp.mail.yahoo.com'),
        ('someone@yahoo.com.au', 'yahoo', 'smtp.mail.yahoo.com'),
        ('someone@yahoo.fr', 'yahoo', 'smtp.mail.yahoo.com'),
        ('someone@ymail.com', 'yahoo', 'smtp.mail.yahoo.com'),
        ('someone@rocketmail.com', 'yahoo', 'smtp.mail.yahoo.com'),
        ('someone@outlook.com', 'outlook', 'smtp-mail.outlook.com'),
        ('someone@outlook.de', 'outlook', 'smtp-mail.outlook.com'),
        ('someone@hotmail.com', 'outlook', 'smtp-mail.outlook.com'),
        ('someone@hotmail.co.uk', 'outlook', 'smtp-mail.outlook.com'),
        ('someone@live.com', 'outlook', 'smtp-mail.outlook.com'),
        ('someone@live.nl', 'outlook', 'smtp-mail.outlook.com'),
        ('someone@msn.com', 'outlook', 'smtp-mail.outlook.com'),
        ('someone@icloud.com', 'icloud', 'smtp.mail.me.com'),
        ('someone@me.com', 'icloud', 'smtp.mail.me.com'),
        ('someone@mac.com', 'icloud', 'smtp.mail.me.com'),
        ('someone@zoho.com', 'zoho', 'smtp.zoho.com'),
        ('someone@zohomail.com', 'zoho', 'smtp.zoho.com'),
        ('someone@zohomail.eu', 'zoho', 'smtp.zoho.eu'),
        ('someone@zohomail.in', 'zoho', 'smtp.zoho.in'),
        ('someone@fastmail.com', 'fastmail', 'smtp.fastmail.com'),
        ('someone@fastmail.fm', 'fastmail', 'smtp.fastmail.com'),
        ('someone@sent.com', 'fastmail', 'smtp.fastmail.com'),
        ('someone@gmx.com', 'gmx', 'mail.gmx.com'),
        ('someone@gmx.co.uk', 'gmx', 'mail.gmx.com'),
        ('someone@gmx.net', 'gmx', 'mail.gmx.net'),
        ('someone@gmx.de', 'gmx', 'mail.gmx.net'),
        ('someone@aol.com', 'aol', 'smtp.aol.com'),
    ],
)
def test_email_domain_is_recognised(email: str, key: str, recommended: str) -> None:
    assert _key_and_host(detect_provider(email=email)) == (key, recommended)


@pytest.mark.parametrize('provider', ALL_PROVIDERS, ids=lambda provider: provider.key)
def test_every_provider_is_found_by_its_own_host(provider: Provider) -> None:
    """Google Workspace shares smtp.gmail.com with Gmail; an address at the business's own domain tells them apart."""
    email = 'boss@acme-example.com' if provider.key == 'google-workspace' else ''
    assert detect_provider(host=provider.host, email=email) == provider


@pytest.mark.parametrize('region', ZOHO_REGIONS)
def test_zoho_regional_hosts_keep_their_region(region: str) -> None:
    assert _key_and_host(detect_provider(host=f'smtp.zoho.{region}')) == ('zoho', f'smtp.zoho.{region}')
    assert _key_and_host(detect_provider(host=f'smtppro.zoho.{region}')) == ('zoho', f'smtppro.zoho.{region}')
    assert _key_and_host(detect_provider(email=f'me@zohomail.{region}')) == ('zoho', f'smtp.zoho.{region}')
    assert is_inbound_mx_host(f'mx.zoho.{region}')
    assert is_inbound_mx_host(f'mx2.zoho.{region}')


def test_zoho_personal_host_with_own_domain_address_recommends_smtppro() -> None:
    assert _key_and_host(detect_provider('smtp.zoho.eu', 'anna@acme-example.de')) == ('zoho', 'smtppro.zoho.eu')
    assert _key_and_host(detect_provider('smtp.zoho.eu', 'anna@zohomail.eu')) == ('zoho', 'smtp.zoho.eu')


@pytest.mark.parametrize(
    ('host', 'email', 'key'),
    [
        ('smtp.gmail.com', 'boss@acme-example.com', 'google-workspace'),
        ('smtp.gmail.com', 'someone@gmail.com', 'gmail'),
        ('smtp.gmail.com', '', 'gmail'),
        ('smtp.gmail.com', 'someone@yahoo.com', 'gmail'),
        ('smtp.office365.com', 'someone@hotmail.com', 'outlook'),
        ('smtp.office365.com', 'boss@acme-example.com', 'microsoft365'),
        ('smtp-mail.outlook.com', 'boss@acme-example.com', 'microsoft365'),
        ('smtp-mail.outlook.com', 'someone@live.com', 'outlook'),
        ('aspmx.l.google.com', 'someone@gmail.com', 'gmail'),
        ('smtp.mail.me.com', 'boss@acme-example.com', 'icloud'),
    ],
)
def test_host_decides_and_address_refines(host: str, email: str, key: str) -> None:
    provider = detect_provider(host, email)
    assert provider is not None
    assert provider.key == key


@pytest.mark.parametrize(
    ('host', 'key'),
    [
        ('aspmx.l.google.com', 'google-workspace'),
        ('alt1.aspmx.l.google.com', 'google-workspace'),
        ('alt4.aspmx.l.google.com', 'google-workspace'),
        ('aspmx2.googlemail.com', 'google-workspace'),
        ('smtp.google.com', 'google-workspace'),
        ('gmail-smtp-in.l.google.com', 'gmail'),
        ('alt2.gmail-smtp-in.l.google.com', 'gmail'),
        ('contoso-com.mail.protection.outlook.com', 'microsoft365'),
        ('contoso-com.a-v1.mx.microsoft', 'microsoft365'),
        ('hotmail-com.olc.protection.outlook.com', 'outlook'),
        ('mx1.mail.yahoo.com', 'yahoo'),
        ('mta5.am0.yahoodns.net', 'yahoo'),
        ('mx-aol.mail.gm0.yahoodns.net', 'aol'),
        ('mx01.mail.icloud.com', 'icloud'),
        ('mx.zoho.com', 'zoho'),
        ('in1-smtp.messagingengine.com', 'fastmail'),
        ('mx00.gmx.net', 'gmx'),
    ],
)
def test_inbound_mx_host_is_flagged_with_advice(host: str, key: str) -> None:
    assert is_inbound_mx_host(host)
    assert is_well_known_host(host)
    provider = detect_provider(host=host)
    assert provider is not None
    assert provider.key == key
    assert not is_inbound_mx_host(provider.host)
    advice = inbound_mx_advice(host)
    assert advice is not None
    assert host in advice
    assert provider.host in advice
    assert str(provider.port) in advice


def test_mx_advice_names_the_submission_server_and_security() -> None:
    advice = inbound_mx_advice('ASPMX.L.GOOGLE.COM')
    assert advice == (
        'aspmx.l.google.com is the server that receives mail for Google Workspace addresses from other mail servers '
        '(an MX server). It does not let programs sign in and send, so sending through it fails or the mail is '
        'rejected. Use smtp.gmail.com, port 587 with STARTTLS instead.'
    )


@pytest.mark.parametrize(
    'host',
    [
        'SMTP.GMAIL.COM',
        '  smtp.gmail.com  ',
        'smtp.gmail.com.',
        'Smtp.Gmail.Com.',
        'smtp.gmail.com:587',
        'smtps://smtp.gmail.com',
        'ｓｍｔｐ．ｇｍａｉｌ．ｃｏｍ',
        'smtp\u3002gmail\u3002com',
    ],
)
def test_host_spelling_is_tolerated(host: str) -> None:
    assert _key_and_host(detect_provider(host=host)) == ('gmail', 'smtp.gmail.com')
    assert is_well_known_host(host)


@pytest.mark.parametrize(
    'email', ['Someone@GMAIL.COM', '  someone@gmail.com ', 'someone@gmail.com.', '<someone@gmail.com>', 'a@b@gmail.com']
)
def test_email_spelling_is_tolerated(email: str) -> None:
    assert _key_and_host(detect_provider(email=email)) == ('gmail', 'smtp.gmail.com')


def test_mx_host_case_and_whitespace_are_tolerated() -> None:
    assert is_inbound_mx_host('  ALT1.ASPMX.L.Google.Com. ')
    assert is_inbound_mx_host('Contoso-Com.Mail.Protection.Outlook.Com')


def test_international_host_names_do_not_break_detection() -> None:
    assert detect_provider(host='smtp.bücher-example.de') is None
    assert not is_well_known_host('smtp.bücher-example.de')
    assert detect_provider(host='smtp.xn--bcher-example-zob.de') is None


@pytest.mark.parametrize(
    'host',
    [
        'notgmail.com',
        'smtp.notgmail.com',
        'gmail.com.evil.example',
        'smtp.gmail.com.evil.example',
        'smtp-gmail.com',
        'smtpxgmail.com',
        'aspmx.l.google.com.evil.example',
        'evil.example/smtp.gmail.com',
        'mail.protection.outlook.com.evil.example',
        'smtp.office365.com.evil.example',
        'smtp.zoho.evil',
        'smtp.example.com',
        'mx.example.com',
        'localhost',
        '127.0.0.1',
        '::1',
        '',
        '   ',
        '.',
        'a..b',
        'x' * 64 + '.gmail.com',
    ],
)
def test_look_alike_hosts_are_not_recognised(host: str) -> None:
    assert detect_provider(host=host) is None
    assert not is_inbound_mx_host(host)
    assert inbound_mx_advice(host) is None
    assert not is_well_known_host(host)


@pytest.mark.parametrize(
    'email',
    [
        'someone@notgmail.com',
        'someone@gmail.com.evil.example',
        'someone@mail.gmail.com.example',
        'someone@yahoo.com.evil.example',
        'someone@hotmail.evil',
        'someone@my-gmx.de',
        'someone@acme-example.com',
        'someone@yahoo.co.jp',
        'someone@',
        'gmail.com',
        'someone',
        '',
    ],
)
def test_look_alike_or_custom_domains_are_not_recognised(email: str) -> None:
    assert detect_provider(email=email) is None


def test_subdomains_of_providers_are_well_known_but_not_providers() -> None:
    assert is_well_known_host('imap.gmail.com')
    assert detect_provider(host='imap.gmail.com') is None
    assert is_well_known_host('outlook.office365.com')
    assert not is_well_known_host('office365.com.example')


def test_keys_are_the_documented_ones_and_unique() -> None:
    keys = [provider.key for provider in ALL_PROVIDERS]
    assert keys == [
        'gmail',
        'google-workspace',
        'yahoo',
        'outlook',
        'microsoft365',
        'icloud',
        'zoho',
        'fastmail',
        'gmx',
        'aol',
    ]
    assert all(get_provider(key).key == key for key in keys)
    with pytest.raises(KeyError):
        get_provider('hotmail')


@pytest.mark.parametrize('provider', ALL_PROVIDERS, ids=lambda provider: provider.key)
def test_every_card_is_complete_and_consistent(provider: Provider) -> None:
    assert provider.name and provider.username_hint and provider.steps
    assert host_error(provider.host) is None
    assert (provider.port, provider.security) in {(587, Security.STARTTLS), (465, Security.SSL)}
    assert is_well_known_host(provider.host)
    assert not is_inbound_mx_host(provider.host)
    assert all(text.strip() == text and text.endswith(('.', ')')) for text in provider.steps + provider.notes)
    assert not provider.help_url or provider.help_url.startswith('https://')


def test_seed_steps_are_kept_for_gmail_and_yahoo() -> None:
    gmail, yahoo = get_provider('gmail'), get_provider('yahoo')
    assert gmail.needs_app_password and yahoo.needs_app_password
    assert len(gmail.steps) == 4 and '2-step verification' in gmail.steps[0]
    assert 'App passwords' in gmail.steps[1]
    assert 'instead of your normal Gmail password' in gmail.steps[2]
    assert 'smtp.gmail.com' in gmail.steps[3] and '587' in gmail.steps[3]
    assert len(yahoo.steps) == 6 and 'https://login.yahoo.com/account/security' in yahoo.steps[0]
    assert 'smtp.mail.yahoo.com' in yahoo.steps[5] and '587' in yahoo.steps[5] and '465' in yahoo.steps[5]


def test_microsoft_cards_carry_the_known_limits() -> None:
    outlook, m365 = get_provider('outlook'), get_provider('microsoft365')
    outlook_text = ' '.join(outlook.steps + outlook.notes)
    assert 'no longer accept a password' in outlook_text and 'OAuth' in outlook_text and 'HTTP' in outlook_text
    assert not outlook.needs_app_password
    m365_text = ' '.join(m365.steps + m365.notes)
    assert 'Authenticated SMTP' in m365_text and 'administrator' in m365_text
    assert 'end of December 2026' in m365_text
