"""The pasted headers of the test email: the receiver's Authentication-Results, and each DKIM signature verified
against a key served by a DNS server on loopback."""

from __future__ import annotations

from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.deliverability.findings import Finding, FindingStatus
from core.deliverability.headers import HeaderAnalysis, analyse_headers
from tests.deliverability.zones import public_key_record, rsa_key, txt
from tests.support.dns_server import serve_zone, silent_dns

GOOD, WARN, PROBLEM, UNKNOWN = FindingStatus.GOOD, FindingStatus.WARN, FindingStatus.PROBLEM, FindingStatus.UNKNOWN
EMAILS = Path(__file__).parent / 'emails'
SIGNED = [b'from', b'to', b'subject', b'date', b'message-id']


def eml(name: str) -> bytes:
    return (EMAILS / name).read_bytes()


def signed(message: bytes, key: rsa.RSAPrivateKey, domain: str = 'shop.test', selector: str = 'mailroom') -> bytes:
    """The message with a DKIM-Signature made by dkimpy, as the sending service adds it."""
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    header = dkim.sign(message, selector.encode(), domain.encode(), pem, include_headers=SIGNED)
    return header + message


def key_zone(key: rsa.RSAPrivateKey, domain: str = 'shop.test', selector: str = 'mailroom') -> str:
    return txt(f'{selector}._domainkey.{domain}', public_key_record(key.public_key()))


async def analyse(pasted: bytes | str, zone: str = '', expected: str = 'shop.test') -> HeaderAnalysis:
    text = pasted.decode() if isinstance(pasted, bytes) else pasted
    with serve_zone(zone) as server:
        return await analyse_headers(text, expected, server.resolver())


def the_signature(analysis: HeaderAnalysis) -> Finding:
    (finding,) = (f for f in analysis.findings if f.check == 'headers-signature')
    return finding


def statuses(analysis: HeaderAnalysis) -> dict[str, FindingStatus]:
    return {finding.check: finding.status for finding in analysis.findings}


async def test_a_passing_email_with_a_signature_verified_against_the_published_key() -> None:
    key = rsa_key()
    analysis = await analyse(signed(eml('pass.eml'), key), key_zone(key))
    assert analysis.error == ''
    assert analysis.receiver == 'mx.example.net'
    assert statuses(analysis) == {
        'headers-spf': GOOD,
        'headers-dkim': GOOD,
        'headers-dmarc': GOOD,
        'headers-signature': GOOD,
    }
    signature = the_signature(analysis)
    assert signature.details['Selector'] == 'mailroom'


async def test_a_paste_with_browser_line_ends_verifies_too() -> None:
    key = rsa_key()
    pasted = signed(eml('pass.eml'), key).decode().replace('\r\n', '\n')
    analysis = await analyse(pasted, key_zone(key))
    assert statuses(analysis)['headers-signature'] is GOOD


async def test_headers_without_the_body_check_the_signed_header_lines() -> None:
    key = rsa_key()
    headers_only = signed(eml('pass.eml'), key).partition(b'\r\n\r\n')[0]
    analysis = await analyse(headers_only, key_zone(key))
    signature = the_signature(analysis)
    assert signature.status is GOOD
    assert 'not pasted' in signature.details['Body']


async def test_a_changed_body_fails_the_signature() -> None:
    key = rsa_key()
    tampered = signed(eml('pass.eml'), key).replace(b'Your email settings work.', b'Pay to account 666.')
    analysis = await analyse(tampered, key_zone(key))
    signature = the_signature(analysis)
    assert signature.status is PROBLEM
    assert 'the body differs from what was signed' in signature.message


async def test_a_changed_subject_fails_the_signature() -> None:
    key = rsa_key()
    tampered = signed(eml('pass.eml'), key).replace(b'Subject: Mailroom test email', b'Subject: Urgent')
    analysis = await analyse(tampered, key_zone(key))
    assert statuses(analysis)['headers-signature'] is PROBLEM


async def test_a_signature_whose_key_is_not_published_fails() -> None:
    analysis = await analyse(signed(eml('pass.eml'), rsa_key()), '')
    signature = the_signature(analysis)
    assert signature.status is PROBLEM
    assert 'no key is published at mailroom._domainkey.shop.test' in signature.message


async def test_a_signature_by_the_services_own_domain_does_not_count_for_yours() -> None:
    key = rsa_key()
    message = signed(eml('pass.eml'), key, domain='mailer.example.test', selector='s1')
    analysis = await analyse(message, key_zone(key, domain='mailer.example.test', selector='s1'))
    signature = the_signature(analysis)
    assert signature.status is WARN
    assert 'not for your domain shop.test' in signature.message


async def test_a_failing_email_reports_the_receivers_verdicts() -> None:
    analysis = await analyse(eml('fail.eml'))
    assert statuses(analysis) == {
        'headers-spf': PROBLEM,
        'headers-dkim': WARN,
        'headers-dmarc': PROBLEM,
        'headers-signature': WARN,
    }
    dmarc = next(f for f in analysis.findings if f.check == 'headers-dmarc')
    assert 'DMARC fail' in dmarc.message


async def test_the_key_lookup_timing_out_is_could_not_check() -> None:
    with silent_dns() as server:
        message = signed(eml('pass.eml'), rsa_key()).decode()
        analysis = await analyse_headers(message, 'shop.test', server.resolver(timeout=0.3))
    assert statuses(analysis)['headers-signature'] is UNKNOWN


async def test_an_email_from_another_domain_is_pointed_out() -> None:
    analysis = await analyse(eml('fail.eml'), expected='other.test')
    first = analysis.findings[0]
    assert (first.check, first.status) == ('headers-from', WARN)
    assert 'not from your sending address at other.test' in first.message


async def test_text_that_is_not_an_email_gets_a_clear_message() -> None:
    analysis = await analyse('Hello, I could not find the headers, sorry!\nThanks')
    assert analysis.findings == ()
    assert 'does not look like the headers of an email' in analysis.error
    assert 'Show original' in analysis.error


async def test_an_empty_paste_says_what_to_paste() -> None:
    analysis = await analyse('   \n')
    assert 'the box is empty' in analysis.error


async def test_headers_without_authentication_results_say_so() -> None:
    pasted = 'From: anna@shop.test\nTo: customer@example.net\nSubject: hi\n'
    analysis = await analyse(pasted)
    assert statuses(analysis) == {'headers-results': WARN, 'headers-signature': WARN}


async def test_a_paste_with_a_broken_line_cannot_have_its_signature_checked() -> None:
    key = rsa_key()
    broken = signed(eml('pass.eml'), key).replace(b'MIME-Version: 1.0', b'this line lost its name')
    analysis = await analyse(broken, key_zone(key))
    signature = the_signature(analysis)
    assert signature.status is UNKNOWN
    assert 'not an email as it was received' in signature.message
