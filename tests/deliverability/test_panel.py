"""The Deliverability panel on Email settings as a person uses it: on demand, after a passing test, the paste box."""

from __future__ import annotations

from pathlib import Path

from nicegui import ui
from nicegui.testing import User

from tests.deliverability.zones import txt
from tests.diagnostics.conftest import ACCOUNTS, PASSWORD, USER
from tests.support.certs import TestPKI
from tests.support.dns_server import serve_zone
from tests.support.smtp_servers import smtp_server
from tests.support.ui import BACKGROUND_RETRIES, set_value
from ui.services import Services

EMAILS = Path(__file__).parent / 'emails'


def text_under(user: User, marker: str) -> str:
    """All the label text inside the elements with this marker, as a person reads it."""
    texts = [
        label.text
        for element in user.find(marker=marker).elements
        for label in element.descendants()
        if isinstance(label, ui.label)
    ]
    return ' '.join(texts)


REJECT_WITHOUT_DKIM = '\n'.join(
    [
        txt('shop.test', 'v=spf1 include:spf.protection.outlook.com -all'),
        txt('spf.protection.outlook.com', 'v=spf1 ip4:203.0.113.0/24 -all'),
        txt('_dmarc.shop.test', 'v=DMARC1; p=reject'),
    ]
)


async def test_check_deliverability_on_demand_groups_the_findings(app_user: User, services: Services) -> None:
    with serve_zone(REJECT_WITHOUT_DKIM) as server:
        services.dns = server.resolver()
        await app_user.open('/settings')
        app_user.find(marker='host').type('smtp.gmail.com')
        app_user.find(marker='username').type('anna@shop.test')
        app_user.find(marker='check-deliverability').click()
        await app_user.should_see('Deliverability of shop.test', retries=BACKGROUND_RETRIES)
    await app_user.should_see('Your own domain tells receivers to reject these emails')
    await app_user.should_see(marker='group-problem')
    await app_user.should_see(marker='group-warn')
    await app_user.should_see('Problems (')
    for check in ('from-domain', 'spf', 'spf-provider', 'dkim', 'dmarc', 'sender-rules'):
        await app_user.should_see(marker=f'finding-{check}')
    assert 'Add include:_spf.google.com to the SPF record' in text_under(app_user, 'finding-spf-provider')


async def test_a_passing_settings_test_runs_the_check_by_itself(
    app_user: User, services: Services, trusted: TestPKI
) -> None:
    zone = '\n'.join([txt('example.com', 'v=spf1 ip4:192.0.2.1 -all'), txt('_dmarc.example.com', 'v=DMARC1; p=none')])
    with serve_zone(zone) as dns_server:
        services.dns = dns_server.resolver()
        async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
            await app_user.open('/settings')
            app_user.find(marker='host').type('127.0.0.1')
            app_user.find(marker='port').clear().type(str(server.port))
            set_value(app_user, 'security', 'starttls')
            app_user.find(marker='username').type(USER)
            app_user.find(marker='password').type(PASSWORD)
            app_user.find(marker='test-settings').click()
            await app_user.should_see('Your email settings work', retries=BACKGROUND_RETRIES)
            await app_user.should_see('Deliverability of example.com', retries=BACKGROUND_RETRIES)
    await app_user.should_see(marker='finding-reverse-dns')
    assert 'has a private address' in text_under(app_user, 'finding-reverse-dns')
    await app_user.should_see(marker='finding-dmarc')


async def test_pasted_headers_show_the_receivers_verdicts(app_user: User, services: Services) -> None:
    with serve_zone('') as server:
        services.dns = server.resolver()
        await app_user.open('/settings')
        app_user.find(marker='username').type('anna@shop.test')
        app_user.find(marker='pasted-headers').type((EMAILS / 'fail.eml').read_text())
        app_user.find(marker='check-headers').click()
        await app_user.should_see('mx.example.net reports DMARC fail', retries=BACKGROUND_RETRIES)
    await app_user.should_see(marker='finding-headers-spf')
    await app_user.should_see('The email carries no DKIM signature.')


async def test_a_paste_that_is_not_an_email_says_what_to_paste(app_user: User) -> None:
    await app_user.open('/settings')
    app_user.find(marker='pasted-headers').type('Thanks for the invoice!')
    app_user.find(marker='check-headers').click()
    await app_user.should_see('does not look like the headers of an email', retries=BACKGROUND_RETRIES)
    assert 'Show original' in text_under(app_user, 'header-findings')
