"""The Email templates page in a real Chromium: leaving with unsaved edits asks first; once saved it does not."""

from __future__ import annotations

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.conftest import LiveApp, open_page

pytestmark = pytest.mark.browser


def test_leaving_the_templates_page_with_unsaved_edits_asks_first(page: Page, live_app: LiveApp) -> None:
    open_page(page, f'{live_app.url}/templates')
    body = page.get_by_label('Body (Markdown)')
    body.click()
    page.keyboard.press('Control+End')
    page.keyboard.type(' Some words not yet saved.')
    expect(page.get_by_text('Unsaved changes')).to_be_visible()
    asked: list[str] = []

    def stay(dialog: Dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on('dialog', stay)
    with page.expect_event('dialog'):  # the server answers the click by sending the browser to /documents
        page.get_by_text('Documents', exact=True).click()
    assert asked == ['beforeunload']
    expect(page).to_have_url(f'{live_app.url}/templates')
    assert body.input_value().endswith(' Some words not yet saved.')

    page.get_by_role('button', name='Save template').click()
    expect(page.get_by_text('Saved the sales quote template.')).to_be_visible()
    expect(page.get_by_text('Unsaved changes')).to_be_hidden()
    page.get_by_text('Documents', exact=True).click()
    expect(page).to_have_url(f'{live_app.url}/documents')
    assert asked == ['beforeunload']
