"""Answers that are not NiceGUI pages (sign-in page, refusals, the sign-in callback) speak the browser's language."""

from __future__ import annotations

import httpx

from core.oauth.signins import CALLBACK_PATH
from tests.web.conftest import FakeClock

ICELANDIC = {'accept-language': 'is-IS,is;q=0.9,en;q=0.5'}
OWN_ORIGIN = {'origin': 'http://127.0.0.1:8080'}


async def test_the_sign_in_page_is_icelandic_with_html_lang_for_an_icelandic_browser(
    lan_client: httpx.AsyncClient,
) -> None:
    page = await lan_client.get('/login', headers=ICELANDIC)
    assert page.status_code == 200
    assert '<html lang="is">' in page.text
    assert '<label for="password">Vefaðgangsorð</label>' in page.text
    assert '<button type="submit">Skrá inn</button>' in page.text
    assert '<html lang="en">' in (await lan_client.get('/login')).text


async def test_wrong_passwords_and_a_missing_sign_in_are_answered_in_icelandic(
    lan_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    form = {'password': 'not-it', 'next': '/'}
    wrong = await lan_client.post('/login', data=form, headers=ICELANDIC | OWN_ORIGIN)
    assert wrong.status_code == 401 and 'Rangt lykilorð: þetta er ekki vefaðgangsorðið' in wrong.text
    for _try in range(4):
        await lan_client.post('/login', data=form, headers=ICELANDIC | OWN_ORIGIN)
    throttled = await lan_client.post('/login', data=form, headers=ICELANDIC | OWN_ORIGIN)
    assert throttled.status_code == 429 and 'Bíddu í 60 sekúndur og reyndu svo aftur.' in throttled.text
    clock.now += 59.5
    throttled = await lan_client.post('/login', data=form, headers=ICELANDIC | OWN_ORIGIN)
    assert 'Bíddu í 1 sekúndu og reyndu svo aftur.' in throttled.text
    refused = await lan_client.get('/settings', headers=ICELANDIC)
    assert refused.status_code == 401 and refused.text.startswith('Skráðu þig fyrst inn: opnaðu /login')


async def test_a_refused_host_is_told_in_the_browsers_language(local_client: httpx.AsyncClient) -> None:
    refused = await local_client.get('/settings', headers={'host': 'attacker.example'} | ICELANDIC)
    assert refused.status_code == 403 and refused.text.startswith('Bannað: þessi beiðni kom frá öðrum vef')
    english = await local_client.get('/settings', headers={'host': 'attacker.example'})
    assert english.text.startswith('Forbidden: this request came from another web site')


async def test_the_sign_in_callback_page_has_the_requests_language(local_client: httpx.AsyncClient) -> None:
    page = await local_client.get(CALLBACK_PATH, params={'state': 'unknown', 'code': 'x'}, headers=ICELANDIC)
    assert page.status_code == 400
    assert page.text.startswith('<!doctype html><html lang="is">')
    assert '<h1>Ekki skráð inn</h1>' in page.text
    english = await local_client.get(CALLBACK_PATH, params={'state': 'unknown', 'code': 'x'})
    assert '<html lang="en">' in english.text and '<h1>Not signed in</h1>' in english.text
