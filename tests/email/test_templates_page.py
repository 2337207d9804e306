"""The Email templates page as a person uses it: choose a type, see the placeholders, edit with a live preview."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from core.sample_data import sample_business
from core.templates import EmailTemplate, default_template
from tests.support.ui import set_value, value_of
from ui.services import Services
from ui.shown_text import fingerprint


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


async def test_switching_type_with_unsaved_edits_asks_first(app_user: User, services: Services) -> None:
    await app_user.open('/templates')
    set_value(app_user, 'body', 'My unsaved words')
    await app_user.should_see('Unsaved changes')
    app_user.find('Credit note').click()
    await app_user.should_see('Your changes to the sales quote template are not saved')
    app_user.find(marker='keep-editing').click()
    assert value_of(app_user, 'body') == 'My unsaved words'
    await app_user.should_see('Subject: Quote INV-0042 from Norðurljós Design')

    app_user.find('Credit note').click()
    app_user.find(marker='discard-changes').click()
    assert value_of(app_user, 'body') == default_template('credit_note').body
    assert services.folder.templates.load('sales_quote') == default_template('sales_quote')
    await app_user.should_not_see('Unsaved changes')


async def test_include_and_render_are_explained_on_the_page_and_cannot_be_saved(app_user: User) -> None:
    await app_user.open('/templates')
    set_value(app_user, 'body', 'Dear customer,\n{% include "footer" %}')
    await app_user.should_see(
        'The body (line 2): a template cannot include other files or templates: remove {% include … %}'
    )
    [save] = app_user.find('Save template').elements
    assert isinstance(save, ui.button) and not save.enabled


async def test_save_refuses_while_the_server_lacks_the_text_on_screen(app_user: User, services: Services) -> None:
    await app_user.open('/templates')
    set_value(app_user, 'body', 'What the server has')
    subject = str(value_of(app_user, 'subject'))
    app_user.find('Save template').trigger('click', [fingerprint(subject), fingerprint('A longer text never received')])
    await app_user.should_see('Not saved: the text on your screen had not all reached Mailroom')
    assert services.folder.templates.load('sales_quote') == default_template('sales_quote')
    app_user.find('Save template').trigger('click', [fingerprint(subject), fingerprint('What the server has')])
    await app_user.should_see('Saved the sales quote template.')
    assert services.folder.templates.load('sales_quote').body == 'What the server has'
