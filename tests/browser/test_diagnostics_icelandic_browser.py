"""The settings test from a page in Icelandic, in Chromium: the steps the test reports speak the page's language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import USERNAME, Mailbox, open_page

pytestmark = pytest.mark.browser
TEST_BUTTON = re.compile('Test email settings|Prófa tölvupóststillingar')  # the button's own label is the page's


def test_a_settings_test_started_from_an_icelandic_page_reports_in_icelandic(page: Page, mailbox: Mailbox) -> None:
    page.set_extra_http_headers({'Accept-Language': 'is-IS,is;q=0.9'})
    open_page(page, f'{mailbox.app.url}/settings')
    page.get_by_role('button', name=TEST_BUTTON).click()

    expect(page.get_by_text('Tölvupóststillingarnar virka')).to_be_visible()
    for text in ('Kveðja þjóns', 'Dulkóðun (TLS)', 'Innskráning', f'Skráð inn sem {USERNAME}.'):
        expect(page.get_by_text(text, exact=True).first).to_be_visible()
    expect(page.get_by_role('button', name=TEST_BUTTON)).to_be_enabled()
    assert len(mailbox.server.recorder.messages) == 1
