"""The Test email settings panel as a person uses it: live steps, the verdict, the transcript, cancel."""

from __future__ import annotations

from nicegui import Client, ui
from nicegui.testing import User

from core.diagnostics.events import Status
from tests.diagnostics.conftest import ACCOUNTS, PASSWORD, USER
from tests.support.certs import TestPKI
from tests.support.smtp_servers import smtp_server
from tests.support.ui import BACKGROUND_RETRIES, set_value, value_of
from tests.support.waiting import wait_until
from ui.diagnostics_panel import ICONS


def client_of(user: User) -> Client:
    assert user.client is not None
    return user.client


def button(user: User, marker: str) -> ui.button:
    element = next(iter(user.find(marker=marker).elements))
    assert isinstance(element, ui.button)
    return element


async def fill_form(user: User, port: int, password: str = PASSWORD) -> None:
    await user.open('/settings')
    user.find(marker='host').type('127.0.0.1')
    user.find(marker='port').clear().type(str(port))
    set_value(user, 'security', 'starttls')
    user.find(marker='username').type(USER)
    user.find(marker='password').type(password)


async def wait_until_idle(user: User) -> None:
    """The Test button is enabled again when the run is over."""
    test_button = button(user, 'test-settings')
    await wait_until(lambda: test_button.enabled, message='the Test button to be enabled again')


async def test_a_passing_test_shows_each_step_the_verdict_and_the_transcript(app_user: User, trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        await fill_form(app_user, server.port)
        app_user.find(marker='test-settings').click()
        await app_user.should_see('Your email settings work', retries=BACKGROUND_RETRIES)
        await wait_until_idle(app_user)
    for marker in ('step-input', 'step-connect', 'step-greeting', 'step-tls', 'step-auth', 'step-data', 'step-quit'):
        await app_user.should_see(marker=marker)
    await app_user.should_see(marker='status-ok')
    await app_user.should_see(marker='timings')
    await app_user.should_not_see(marker='status-fail')
    await app_user.should_see('Signed in as owner@example.com.')
    await app_user.should_see('~> AUTH PLAIN [hidden]')
    assert len(server.recorder.messages) == 1
    (log,) = app_user.find(marker='transcript-log').elements
    lines = [child.text for child in log.default_slot.children if isinstance(child, ui.label)]
    assert any(line.endswith('~> AUTH PLAIN [hidden]') for line in lines)
    assert any('<~ 250 2.0.0 Ok: queued as TEST123' in line for line in lines)
    assert not any(PASSWORD in line for line in lines)


async def test_a_failing_test_names_the_step_and_says_what_to_do(app_user: User, trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        await fill_form(app_user, server.port, password='not-the-password')
        app_user.find(marker='test-settings').click()
        await app_user.should_see('Sign-in failed', retries=BACKGROUND_RETRIES)
        await wait_until_idle(app_user)
    await app_user.should_see(marker='status-fail')
    await app_user.should_see('What to do:')
    await app_user.should_see('Server reply: 535 5.7.8 Authentication failed')


async def test_check_without_sending_sends_nothing(app_user: User, trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        await fill_form(app_user, server.port)
        set_value(app_user, 'test-mode', 'check')
        await app_user.should_not_see(marker='test-recipient')
        app_user.find(marker='test-settings').click()
        await app_user.should_see('Nothing was sent', retries=BACKGROUND_RETRIES)
        await wait_until_idle(app_user)
    assert server.recorder.messages == []


async def test_recipient_typed_by_the_user_gets_the_test(app_user: User, trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        await fill_form(app_user, server.port)
        app_user.find(marker='test-recipient').type('accounts@example.com')
        app_user.find(marker='test-settings').click()
        await app_user.should_see('accepted the test email for accounts@example.com', retries=BACKGROUND_RETRIES)
        await wait_until_idle(app_user)
    assert server.recorder.messages[0].rcpt_tos == ('accounts@example.com',)


async def test_button_is_disabled_while_running_and_cancel_stops_the_test(app_user: User, trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, rcpt_delay=30) as server:
        await fill_form(app_user, server.port)
        app_user.find(marker='test-settings').click()
        await app_user.should_see(marker='step-rcpt', retries=BACKGROUND_RETRIES)
        assert not button(app_user, 'test-settings').enabled
        await app_user.should_see(marker='cancel-test')
        app_user.find(marker='cancel-test').click()
        await app_user.should_see('The test was cancelled.', retries=BACKGROUND_RETRIES)
        await wait_until_idle(app_user)
        await app_user.should_not_see(marker='cancel-test')
    assert server.recorder.messages == []


async def test_form_errors_stop_the_test_before_it_starts(app_user: User) -> None:
    await app_user.open('/settings')
    app_user.find(marker='test-settings').click()
    await app_user.should_see('Correct the fields marked in red first')
    await app_user.should_not_see(marker='step-input')


async def test_closing_the_tab_cancels_the_test(app_user: User, trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, rcpt_delay=30) as server:
        await fill_form(app_user, server.port)
        app_user.find(marker='test-settings').click()
        await app_user.should_see(marker='step-rcpt', retries=BACKGROUND_RETRIES)
        client = client_of(app_user)
        for handler in client.disconnect_handlers:  # what NiceGUI runs when the browser tab goes away
            client.safe_invoke(handler)
        await wait_until_idle(app_user)
        await app_user.should_see('The test was cancelled.')
    assert server.recorder.messages == []


async def test_transcript_downloads_as_text_without_the_password(app_user: User, trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        await fill_form(app_user, server.port)
        app_user.find(marker='test-settings').click()
        await app_user.should_see('Your email settings work', retries=BACKGROUND_RETRIES)
        await wait_until_idle(app_user)
    app_user.find(marker='download').click()
    response = await app_user.download.next()
    text = response.content.decode()
    assert '~> AUTH PLAIN [hidden]' in text and '<~ 221 Bye' in text and PASSWORD not in text
    app_user.find(marker='copy').click()
    await app_user.should_see('Transcript copied.')


async def test_a_port_that_speaks_tls_first_is_switched_to_ssl_tls_with_one_click(
    app_user: User, trusted: TestPKI
) -> None:
    async with smtp_server(tls='implicit', cert=trusted.good(), accounts=ACCOUNTS) as server:
        await fill_form(app_user, server.port)
        set_value(app_user, 'security', 'auto')  # a custom port: Auto means STARTTLS there
        app_user.find(marker='test-settings').click()
        await app_user.should_see(marker='apply-change', retries=BACKGROUND_RETRIES)
        await wait_until_idle(app_user)
        await app_user.should_see('Set Connection security to SSL/TLS')
        app_user.find(marker='apply-change').click()
        assert value_of(app_user, 'security') == 'ssl'
        await app_user.should_see('Switch to SSL/TLS: done.')
        assert not button(app_user, 'apply-change').enabled
        app_user.find(marker='test-settings').click()
        await app_user.should_see('Your email settings work', retries=BACKGROUND_RETRIES)
        await wait_until_idle(app_user)
    assert len(server.recorder.messages) == 1


async def test_a_sender_refused_at_rcpt_shows_on_the_sender_row(app_user: User, trusted: TestPKI) -> None:
    refusal = f'553 5.7.1 <{USER}>: Sender address rejected: not owned by user {USER}'
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, rcpt_reply=refusal) as server:
        await fill_form(app_user, server.port)
        app_user.find(marker='test-settings').click()
        await app_user.should_see('Sender failed', retries=BACKGROUND_RETRIES)
        await wait_until_idle(app_user)
    assert statuses_in_row(app_user, 'step-mail') == [Status.FAIL]
    assert statuses_in_row(app_user, 'step-rcpt') == [Status.SKIPPED]
    await app_user.should_see('Not reached: the server refused the sender')


def statuses_in_row(user: User, marker: str) -> list[str]:
    """The status icons shown inside one step row (a revised row shows only its last status)."""
    (row,) = user.find(marker=marker).elements
    icons = {symbol: status for status, (symbol, _) in ICONS.items()}
    return [icons[e.text] for e in row.descendants() if isinstance(e, ui.label) and e.text in icons]
