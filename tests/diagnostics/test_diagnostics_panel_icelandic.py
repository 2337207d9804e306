"""The Test email settings panel on an Icelandic page: its own words around the live steps are Icelandic."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from core.i18n import set_language
from tests.diagnostics.conftest import ACCOUNTS, USER
from tests.support.certs import TestPKI
from tests.support.smtp_servers import smtp_server
from tests.support.ui import BACKGROUND_RETRIES, set_value
from tests.support.waiting import wait_until


def icelandic(user: User) -> None:
    """Pages built in Icelandic; clicks in Icelandic too, as the page's socket speaks its page's language."""
    user.http_client.headers['Accept-Language'] = 'is'
    set_language('is')


async def test_a_failing_test_on_an_icelandic_page_frames_the_steps_in_icelandic(
    app_user: User, trusted: TestPKI
) -> None:
    icelandic(app_user)
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        await app_user.open('/settings')
        await app_user.should_see('Senda prófunarpóst')
        await app_user.should_see('Kanna án þess að senda')
        app_user.find(marker='host').type('127.0.0.1')
        app_user.find(marker='port').clear().type(str(server.port))
        set_value(app_user, 'security', 'starttls')
        app_user.find(marker='username').type(USER)
        app_user.find(marker='password').type('not-the-password')
        app_user.find(marker='test-settings').click()
        await app_user.should_see(marker='status-fail', retries=BACKGROUND_RETRIES)
        (test_button,) = app_user.find(marker='test-settings').elements
        assert isinstance(test_button, ui.button)
        await wait_until(lambda: test_button.enabled, message='the Test button to be enabled again')
    await app_user.should_see('Hvað er til ráða:')
    await app_user.should_see('Svar þjónsins: 535 5.7.8 Authentication failed')
    await app_user.should_see('Samskiptaskrá')
    await app_user.should_see(marker='timings')
    (timings,) = app_user.find(marker='timings').elements
    assert isinstance(timings, ui.label) and timings.text.startswith('Samtals ')


async def test_testing_a_wrong_form_on_an_icelandic_page_says_so_in_icelandic(app_user: User) -> None:
    icelandic(app_user)
    await app_user.open('/settings')
    app_user.find(marker='test-settings').click()
    await app_user.should_see('Lagaðu fyrst reitina sem eru merktir með rauðu og prófaðu svo aftur.')
    await app_user.should_not_see(marker='step-input')
