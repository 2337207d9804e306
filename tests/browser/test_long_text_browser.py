"""In a real Chromium: text too long for the page's connection is refused in plain words, never swapped for old text."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Mailbox, open_page
from ui.shown_text import FINGERPRINT_JS, fingerprint

OVERSIZED = ('A long paragraph pasted from elsewhere. ' * 125 + '\n\n') * 240  # 1.2 million characters
pytestmark = pytest.mark.browser


def plain_text(content: bytes) -> str:
    message = email.message_from_bytes(content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=('plain',))
    assert part is not None
    return str(part.get_content()).replace('\r\n', '\n')


def open_compose(page: Page, mailbox: Mailbox) -> tuple[Locator, str]:
    open_page(page, f'{mailbox.app.url}/documents/{mailbox.invoice.id}')
    page.get_by_role('button', name='Email').first.click()
    expect(page.get_by_role('button', name='Send')).to_be_enabled()
    body = page.get_by_label('Message (Markdown', exact=False)
    old_text = body.input_value()
    assert old_text.startswith('Dear ')
    return body, old_text


def send_and_read(page: Page, mailbox: Mailbox, body: Locator, old_text: str) -> bool:
    """Press Send; either a refusal in plain words and nothing sent, or exactly the text shown. Never the old text."""
    shown = body.input_value()
    page.get_by_role('button', name='Send').click()
    refused = page.get_by_text('Not sent: ', exact=False)
    sent = page.get_by_text('Sent to ', exact=False)
    expect(refused.or_(sent).first).to_be_visible(timeout=30_000)
    received = [plain_text(message.content).strip() for message in mailbox.server.recorder.messages]
    assert old_text.strip() not in received, 'the old text was sent'
    if sent.count():
        assert len(received) == 1 and received[0] == shown.strip(), 'what arrived is not what the page showed'
        return True
    assert received == []
    return False


def test_a_paste_longer_than_the_page_can_carry_is_cut_visibly_and_refused(page: Page, mailbox: Mailbox) -> None:
    body, old_text = open_compose(page, mailbox)
    body.click()
    page.keyboard.press('Control+A')
    page.keyboard.insert_text(OVERSIZED)  # as a paste arrives: all at once
    expect(page.get_by_text('is longer than 100,000 characters', exact=False).first).to_be_visible()
    assert not send_and_read(page, mailbox, body, old_text)
    expect(page.get_by_text('Not sent: The message is longer than 100,000 characters')).to_be_visible()


def test_text_the_server_never_received_is_not_sent_as_the_old_text(page: Page, mailbox: Mailbox) -> None:
    """Past the field's limit (as a script or a browser extension could), the dropped update is caught at Send."""
    body, old_text = open_compose(page, mailbox)
    body.evaluate(
        '(area, text) => { area.value = text; area.dispatchEvent(new Event("input", {bubbles: true})); }', OVERSIZED
    )
    assert len(body.input_value()) == len(OVERSIZED)
    assert not send_and_read(page, mailbox, body, old_text)
    expect(page.get_by_text('Not sent: the text on your screen had not all reached Mailroom')).to_be_visible()


@pytest.mark.parametrize('text', ['', 'Góðan dag, Þórður!', 'line\r\nbreak\ttab "quotes" \\ back', '€ 😀 𝄞 \u0000 end'])
def test_the_browser_and_the_server_fingerprint_text_alike(page: Page, text: str) -> None:
    assert page.evaluate(f'({FINGERPRINT_JS})', text) == fingerprint(text)
