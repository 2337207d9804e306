"""Mailroom on a phone (390×844): no page scrolls sideways, the main actions are on screen, dialogs fill it."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import PHONE, SamplePages
from tests.support.waiting import WAIT_SECONDS, wait_until_sync

pytestmark = pytest.mark.browser

# What a person comes to each page to do: (role, accessible name), the first of each kind on the page.
MAIN_ACTIONS: dict[str, list[tuple[str, str]]] = {
    'documents': [('button', 'New'), ('link', 'INV-0011'), ('button', 'Email'), ('button', 'Delete')],
    'document': [('button', 'Email'), ('link', 'Download PDF'), ('button', 'Edit'), ('button', 'Delete')],
    'new document': [('button', 'Add line'), ('button', 'Save')],
    'contacts': [('button', 'New customer'), ('button', 'Email statements to…'), ('link', 'Edit')],
    'contact': [('button', 'Statement'), ('button', 'Edit'), ('button', 'Delete')],
    'emails': [('combobox', 'Status'), ('textbox', 'Search recipients, subject or document')],
    'reminders': [('button', 'Add a reminder'), ('button', 'Save schedule')],
    'templates': [('button', 'Save template')],
    'business': [('button', 'Save')],
    'settings': [('button', 'Update'), ('button', 'Test email settings')],
    'batches': [],
}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    expect.set_options(timeout=WAIT_SECONDS * 1000)  # a PDF render on a loaded machine
    yield page
    context.close()


def on_screen_across(locator: Locator) -> bool:
    """Visible and wholly inside the phone's width: reachable without scrolling sideways. (A row is waited for with
    it: Quasar re-renders a table's rows as the page connects, and a row being replaced has no box for a moment.)"""
    box = locator.bounding_box()
    return box is not None and box['x'] >= 0 and box['x'] + box['width'] <= PHONE['width']


def test_at_phone_size_no_page_scrolls_sideways_and_its_main_actions_are_on_screen(
    phone: Page, sample_pages: SamplePages
) -> None:
    assert set(MAIN_ACTIONS) == set(sample_pages.paths)
    problems: list[str] = []
    for name, actions in MAIN_ACTIONS.items():
        sample_pages.open(phone, name)
        scroll, client = phone.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')
        if scroll > client:
            problems.append(f'{name}: the page is {scroll}px wide on a {client}px screen')
        for role, label in [('button', 'Menu'), ('button', 'Language: English'), *actions]:
            target = phone.get_by_role(role, name=label, exact=True).first  # type: ignore[arg-type]
            target.scroll_into_view_if_needed()
            if not target.is_visible() or not on_screen_across(target):
                problems.append(f'{name}: the {role} "{label}" is not on screen')
    assert problems == []


def test_at_phone_size_each_document_is_a_stacked_row_with_its_facts_and_actions(
    phone: Page, sample_pages: SamplePages
) -> None:
    sample_pages.open(phone, 'documents')
    expect(phone.locator('thead')).to_have_count(0)  # no table columns to scroll through
    row = phone.locator('.q-card').filter(has=phone.get_by_role('link', name='INV-0011', exact=True))
    for fact in ('INV-0011', 'Sales Invoice', '€'):
        expect(row.get_by_text(fact).first).to_be_visible()
    for role, label in (('button', 'Email'), ('link', 'Open PDF'), ('link', 'Edit'), ('button', 'Delete')):
        button = row.get_by_role(role, name=label, exact=True)  # type: ignore[arg-type]
        wait_until_sync(partial(on_screen_across, button), message=f'the {role} "{label}" of the row wholly on screen')
    wait_until_sync(partial(on_screen_across, row), message='the row wholly on screen')
    row.get_by_role('button', name='Email', exact=True).click()
    dialog = phone.get_by_role('dialog')
    expect(dialog.get_by_text('Email Sales Invoice INV-0011')).to_be_visible()
    dialog.get_by_role('button', name='Close').click()
    expect(dialog).to_be_hidden()
    row.get_by_role('checkbox').click()
    expect(phone.get_by_text('1 selected.')).to_be_visible()
    expect(phone.get_by_role('button', name='Email selected…')).to_be_enabled()


def test_at_phone_size_each_contact_is_a_stacked_row_with_its_actions_on_screen(
    phone: Page, sample_pages: SamplePages
) -> None:
    sample_pages.open(phone, 'contacts')
    expect(phone.locator('thead')).to_have_count(0)
    row = phone.locator('.q-card').filter(has=phone.get_by_role('link', name='Pappírsverk ehf.', exact=True))
    expect(row.get_by_text('Supplier')).to_be_visible()
    for role, label in (('link', 'Edit'), ('button', 'Delete')):
        action = row.get_by_role(role, name=label, exact=True)  # type: ignore[arg-type]
        wait_until_sync(partial(on_screen_across, action), message=f'the {role} "{label}" of the row wholly on screen')
    row.get_by_role('button', name='Delete', exact=True).click()
    expect(phone.get_by_text('Pappírsverk ehf. has')).to_be_visible()  # the row's Delete asks the page


def test_at_phone_size_the_compose_dialog_fills_the_screen_with_close_in_its_header(
    phone: Page, sample_pages: SamplePages
) -> None:
    sample_pages.open(phone, 'document')
    phone.get_by_role('button', name='Email', exact=True).click()
    dialog = phone.get_by_role('dialog')
    expect(dialog.get_by_label('Subject')).to_be_visible()
    card = dialog.locator('.q-card').first

    def fills_the_screen() -> bool:
        """Once Quasar's opening animation (a zoom from the middle) has ended."""
        box = card.bounding_box()
        return box is not None and (box['x'], box['y'], box['width'], box['height']) == (
            0,
            0,
            PHONE['width'],
            PHONE['height'],
        )

    wait_until_sync(fills_the_screen, message='the compose dialog filling the screen')
    close = dialog.get_by_role('button', name='Close')
    dialog.get_by_label('Message (Markdown: **bold**, *italic*, - list)').scroll_into_view_if_needed()
    close_box = close.bounding_box()
    assert close_box is not None and close_box['y'] < 80 and on_screen_across(close)  # the header stays on top
    close.click()
    expect(dialog).to_be_hidden()


def test_at_phone_size_the_settings_form_is_one_column_with_the_test_below_it(
    phone: Page, sample_pages: SamplePages
) -> None:
    sample_pages.open(phone, 'settings')
    form = phone.locator('.q-card').filter(has=phone.get_by_label('SMTP server')).first.bounding_box()
    test = phone.get_by_role('button', name='Test email settings').bounding_box()
    update = phone.get_by_role('button', name='Update').bounding_box()
    assert form is not None and test is not None and update is not None
    assert test['y'] > update['y'] + update['height']  # below the form, whose last control is Update
    assert form['width'] > PHONE['width'] * 0.85  # the form takes the screen's width
