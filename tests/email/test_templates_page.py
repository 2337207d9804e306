"""The Email templates page as a person uses it: choose a type, see the placeholders, edit with a live preview."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from core.sample_data import sample_business
from core.templates import EmailTemplate, default_template
from tests.support.ui import set_value, value_of
from ui.services import Services


async def test_the_page_lists_placeholders_and_previews_the_default(app_user: User) -> None:
    await app_user.open('/templates')
    for label in ('Sales quote', 'Sales invoice', 'Credit note', 'Purchase order', 'Customer statement'):
        await app_user.should_see(label)
    for tag in ('{{ recipient.name }}', '{{ reference }}', '{{ total }}', '{{ due_date }}', '{{ business.name }}'):
        await app_user.should_see(tag)
    await app_user.should_see('Subject: Quote INV-0042 from Norðurljós Design')


async def test_a_typo_is_shown_and_blocks_saving_until_fixed(app_user: User, services: Services) -> None:
    await app_user.open('/templates')
    set_value(app_user, 'body', 'Dear {{ recipient.nmae }}')
    await app_user.should_see('"{{ recipient.nmae }}" is not a placeholder Mailroom knows.')
    [save] = app_user.find('Save template').elements
    assert isinstance(save, ui.button) and not save.enabled
    set_value(app_user, 'body', 'Góðan dag {{ recipient.name }}, **reikningur** {{ reference }}')
    await app_user.should_not_see(marker='template-problem')
    [preview] = app_user.find(marker='preview-body').elements
    assert isinstance(preview, ui.html)
    assert '<strong>reikningur</strong>' in preview.content
    assert 'Góðan dag Þórður Ægisson ehf.' in preview.content
    app_user.find('Save template').click()
    await app_user.should_see('Saved the sales quote template.')
    assert services.folder.templates.load('sales_quote') == EmailTemplate(
        'Quote {{ reference }} from {{ business.name }}',
        'Góðan dag {{ recipient.name }}, **reikningur** {{ reference }}',
    )


async def test_clicking_a_placeholder_adds_it_to_the_body(app_user: User) -> None:
    await app_user.open('/templates')
    set_value(app_user, 'body', 'Total:')
    app_user.find(marker='placeholder-total').click()
    assert value_of(app_user, 'body') == 'Total: {{ total }}'


async def test_another_type_shows_its_own_template_and_reset_restores_the_default(
    app_user: User, services: Services
) -> None:
    services.folder.templates.save('credit_note', EmailTemplate('Mine {{ reference }}', 'Body'))
    await app_user.open('/templates')
    app_user.find('Credit note').click()
    await app_user.should_see('Subject: Mine INV-0042')
    app_user.find('Reset to default').click()
    await app_user.should_see('The credit note template is back to the default.')
    assert services.folder.templates.load('credit_note') == default_template('credit_note')
    assert value_of(app_user, 'subject') == default_template('credit_note').subject


async def test_the_preview_uses_your_business_details_once_saved(app_user: User, services: Services) -> None:
    services.folder.business.save(sample_business())
    await app_user.open('/templates')
    await app_user.should_see('Subject: Quote INV-0042 from Norðurljós Ráðgjöf ehf.')
