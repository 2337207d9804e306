"""Keyboards and screen readers: axe-core finds nothing serious on any page; names, links, h1, focus, Enter, Esc."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import DESKTOP, PHONE, Mailbox, SamplePages, open_page
from tests.support.waiting import WAIT_SECONDS

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / 'vendor' / 'axe-core' / 'axe.min.js'
AXE_VERSION = '4.10.3'
NAVIGATION = {
    'Documents': '/documents',
    'Contacts': '/contacts',
    'Emails': '/emails',
    'Reminders': '/reminders',
    'Email templates': '/templates',
    'Business': '/business',
    'Email settings': '/settings',
}


@pytest.fixture(params=[DESKTOP, PHONE], ids=['desktop', 'phone'])
def sized_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    viewport: ViewportSize = request.param
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    expect.set_options(timeout=WAIT_SECONDS * 1000)  # a PDF render on a loaded machine
    yield page
    context.close()


def serious_violations(page: Page, *, skip: tuple[str, ...] = ()) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line per rule and element."""
    page.wait_for_function('document.getAnimations().length === 0')  # axe sees colours as they settle
    page.add_script_tag(path=str(AXE))
    assert page.evaluate('axe.version') == AXE_VERSION
    rules = {rule: {'enabled': False} for rule in skip}
    results = page.evaluate('(rules) => axe.run(document, {resultTypes: ["violations"], rules})', rules)
    return [
        f'{violation["id"]} ({violation["impact"]}): {violation["help"]} at {" ".join(node["target"])}: '
        f'{node["html"][:200]} {node["failureSummary"]}'
        for violation in results['violations']
        if violation['impact'] in ('serious', 'critical')
        for node in violation['nodes']
    ]


def test_axe_finds_no_serious_or_critical_violation_on_any_page(sized_page: Page, sample_pages: SamplePages) -> None:
    found: dict[str, list[str]] = {}
    for name in sample_pages.paths:
        sample_pages.open(sized_page, name)
        if problems := serious_violations(sized_page):
            found[name] = problems
    sample_pages.open(sized_page, 'document')
    sized_page.get_by_role('button', name='Email', exact=True).click()
    expect(sized_page.get_by_role('dialog').get_by_role('button', name='Send')).to_be_enabled()  # opened, PDF made
    # axe reads the positioned buttons of a dialog in the middle of the page as lying under Quasar's grey backdrop
    # (the picture shows them on the white card); the phone's full-screen dialog, the same elements and colours, is
    # checked for contrast too.
    skip = ('color-contrast',) if sized_page.viewport_size == DESKTOP else ()
    if problems := serious_violations(sized_page, skip=skip):
        found['compose dialog'] = problems
    assert not found, '\n'.join(f'{name}: {problem}' for name, problems in found.items() for problem in problems)


def test_every_page_has_one_h1_its_language_and_navigation_links_marking_the_current_page(
    page: Page, sample_pages: SamplePages
) -> None:
    for name, path in sample_pages.paths.items():
        sample_pages.open(page, name)
        expect(page.locator('h1')).to_have_count(1)
        expect(page.locator('html')).to_have_attribute('lang', 'en-GB')
        navigation = page.get_by_role('navigation', name='Pages')
        for label, target in NAVIGATION.items():
            link = navigation.get_by_role('link', name=label, exact=True)
            expect(link).to_have_attribute('href', target)
            if path == target or path.startswith(f'{target}/'):
                expect(link).to_have_attribute('aria-current', 'page')
            else:
                expect(link).not_to_have_attribute('aria-current', 'page')


def test_keyboard_focus_shows_a_visible_ring_on_buttons_and_fields(page: Page, sample_pages: SamplePages) -> None:
    sample_pages.open(page, 'settings')
    seen: set[str] = set()
    for _ in range(40):  # tab through the header and into the form
        page.keyboard.press('Tab')
        kind, width, style = page.evaluate(
            """() => {
                const focused = document.activeElement;
                const field = focused.matches('input, textarea') ? focused.closest('.q-field') : null;
                const ringed = field ? field.querySelector('.q-field__control') : focused;
                const style = getComputedStyle(ringed);
                const kind = field ? 'field' : focused.tagName.toLowerCase();
                return [kind, parseFloat(style.outlineWidth), style.outlineStyle];
            }"""
        )
        if kind == 'body':  # past the last control
            break
        assert style != 'none' and width >= 2, f'a focused {kind} shows no focus ring'
        seen.add(kind)
    assert {'button', 'field'} <= seen


def test_the_saved_password_hint_shows_without_focus(page: Page, sample_pages: SamplePages) -> None:
    sample_pages.open(page, 'settings')
    password = page.get_by_label('Password', exact=True)
    expect(password).to_have_attribute('placeholder', 'Saved — leave blank to keep')
    expect(password).not_to_be_focused()
    field = page.locator('.q-field').filter(has=password)
    expect(field).to_have_class(re.compile(r'\bq-field--float\b'))  # the label moved up: the hint shows


def test_enter_in_the_test_recipient_field_starts_the_settings_test(page: Page, sample_pages: SamplePages) -> None:
    sample_pages.open(page, 'settings')
    page.get_by_label('Send the test to').fill('someone@example.com')
    page.get_by_label('Send the test to').press('Enter')
    expect(page.get_by_text('Connection failed')).to_be_visible()  # the test ran: nothing listens on that port


def test_esc_closes_the_compose_dialog_and_the_batch_dialog(page: Page, sample_pages: SamplePages) -> None:
    sample_pages.open(page, 'document')
    page.get_by_role('button', name='Email', exact=True).click()
    dialog = page.get_by_role('dialog')
    expect(dialog.get_by_label('Subject')).to_be_visible()
    page.keyboard.press('Escape')
    expect(dialog).to_be_hidden()

    sample_pages.open(page, 'documents')
    page.get_by_role('checkbox').nth(1).click()
    page.get_by_role('button', name='Email selected…').click()
    expect(page.get_by_role('dialog')).to_be_visible()
    page.keyboard.press('Escape')
    expect(page.get_by_role('dialog')).to_be_hidden()


def test_enter_in_the_compose_subject_sends_the_email(page: Page, mailbox: Mailbox) -> None:
    open_page(page, f'{mailbox.app.url}/documents/{mailbox.invoice.id}')
    page.get_by_role('button', name='Email', exact=True).click()
    dialog = page.get_by_role('dialog')
    expect(dialog.get_by_role('button', name='Send')).to_be_enabled()  # the PDF is made
    dialog.get_by_label('Subject').press('Enter')
    expect(dialog.get_by_text(f'Sent to {mailbox.contact.primary_email}')).to_be_visible()
    assert len(mailbox.server.recorder.messages) == 1
