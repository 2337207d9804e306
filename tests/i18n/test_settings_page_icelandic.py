"""The Email settings page as an Icelandic browser gets it: the seed's fields, buttons and messages in Icelandic."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from core.i18n import set_language
from tests.support.ui import value_element


def icelandic(user: User) -> None:
    """An Icelandic browser: its pages are built in Icelandic, and its clicks speak Icelandic, as the page's socket
    does in a browser (the test's own task stands in for the socket, so it is set to the page's language)."""
    user.http_client.headers['Accept-Language'] = 'is-IS,is;q=0.9,en;q=0.5'
    set_language('is')


def button_texts(user: User) -> set[str]:
    return {element.text for element in user.find(kind=ui.button).elements if isinstance(element, ui.button)}


async def test_email_settings_in_icelandic_shows_the_seeds_fields_and_buttons_in_icelandic(app_user: User) -> None:
    icelandic(app_user)
    await app_user.open('/settings')
    assert value_element(app_user, 'password').props['label'] == 'Lykilorð'
    for text in (
        'Sýna lykilorð',
        'Ekki staðfesta TLS vottorð',
        'Samskiptaregla',
        'Senda afrit af öllum tölvupósti á þetta netfang',
        'Taka við svörum á öðru netfangi en sent er frá',
        'Öryggisstillingar',
        'Aukavalmöguleikar',
        'Afhendingarhæfni',
        'Sendingamörk',
    ):
        await app_user.should_see(text)
    assert {'Uppfæra', 'Prófa tölvupóststillingar', 'Finna stillingarnar mínar'} <= button_texts(app_user)
    labels = {name: value_element(app_user, name).props['label'] for name in ('host', 'port', 'username', 'security')}
    assert labels == {
        'host': 'SMTP-þjónn',
        'port': 'Gátt',
        'username': 'Notandanafn',
        'security': 'Öryggi tengingar',
    }
    for english in ('Show password', 'Do not verify TLS certificate', 'Test email settings', 'Update'):
        await app_user.should_not_see(english)


async def test_an_icelandic_page_explains_a_port_and_a_pasted_host_in_icelandic(app_user: User) -> None:
    icelandic(app_user)
    await app_user.open('/settings')
    app_user.find(marker='port-465').click()
    await app_user.should_see('Dulkóðað frá fyrsta bæti (SSL/TLS). Mælt með.')
    app_user.find(marker='host').type('smtps://smtp.example.com')
    await app_user.should_see('Áttirðu við SMTP-þjónn „smtp.example.com“, gátt 465, SSL/TLS?')
    app_user.find(marker='host').clear().type('smtp.gmail.com')
    app_user.find('Ekki staðfesta TLS vottorð').click()
    await app_user.should_see('Gmail er alltaf með gilt vottorð.')


async def test_update_on_an_icelandic_page_says_what_is_wrong_in_icelandic(app_user: User) -> None:
    icelandic(app_user)
    await app_user.open('/settings')
    app_user.find(marker='username').type('office')
    app_user.find('Senda afrit af öllum tölvupósti á þetta netfang').click()
    app_user.find(marker='bcc').type('not an address')
    app_user.find(kind=ui.button, content='Uppfæra').click()
    for said in (
        'Ekki vistað.',
        'Sláðu inn heiti SMTP-þjónsins, til dæmis smtp.gmail.com.',
        'Notandanafnið þitt er ekki netfang: sláðu inn netfangið sem þú sendir frá.',
        'SMTP-þjónn: Sláðu inn heiti SMTP-þjónsins',
        '„not an address“ er ekki gilt netfang',
    ):
        await app_user.should_see(said)
    await app_user.should_not_see('Not saved')


async def test_an_internal_domain_is_explained_in_icelandic_beside_its_field(app_user: User) -> None:
    icelandic(app_user)
    await app_user.open('/settings')
    app_user.find(marker='username').type('office@company.local')
    await app_user.should_see('office@company.local er á innra léni (company.local)')


async def test_the_provider_card_and_its_button_speak_icelandic(app_user: User) -> None:
    icelandic(app_user)
    await app_user.open('/settings')
    app_user.find(marker='username').type('someone@gmail.com')
    for text in (
        'Gmail fannst',
        'Þjónn smtp.gmail.com, gátt 587, STARTTLS.',
        'Fullt Gmail-netfang þitt',
        '1. Kveiktu á tveggja þrepa staðfestingu í stillingum Google-reikningsins þíns.',
    ):
        await app_user.should_see(text)
    app_user.find(kind=ui.button, content='Nota þessar stillingar').click()
    await app_user.should_see('Stillingar fyrir Gmail eru komnar inn. Sláðu nú inn lykilorðið þitt.')
