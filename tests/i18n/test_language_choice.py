"""Which language a person gets: the browser's Accept-Language, or the one chosen in the header; a terminal's LANG."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from core.i18n import current_language, language_from_environment, negotiate, supported
from ui.services import Services


@pytest.mark.parametrize(
    ('header', 'language'),
    [
        ('is-IS,is;q=0.9,en;q=0.8', 'is'),
        ('en-GB,en;q=0.9,is;q=0.8', 'en'),
        ('de-DE,de;q=0.9,is;q=0.5', 'is'),
        ('de-DE,fr;q=0.9', 'en'),
        ('en;q=0.2,is;q=0.7', 'is'),
        ('is;q=0', 'en'),
        ('', 'en'),
        ('garbage;;q=x', 'en'),
    ],
)
def test_the_browsers_first_choice_that_mailroom_speaks_wins(header: str, language: str) -> None:
    assert negotiate(header) == language


@pytest.mark.parametrize(
    ('environ', 'language'),
    [
        ({'LANG': 'is_IS.UTF-8'}, 'is'),
        ({'LANG': 'en_US.UTF-8'}, 'en'),
        ({'LANGUAGE': 'de:is', 'LANG': 'en_US.UTF-8'}, 'is'),
        ({'LC_ALL': 'C', 'LANG': 'is_IS.UTF-8'}, 'en'),
        ({'LC_MESSAGES': 'is_IS', 'LANG': 'en_GB'}, 'is'),
        ({}, 'en'),
    ],
)
def test_a_terminal_speaks_the_language_of_its_environment(environ: dict[str, str], language: str) -> None:
    assert language_from_environment(environ) == language


def test_an_unknown_language_means_english() -> None:
    assert (supported('is-IS'), supported('IS'), supported('de'), supported(None)) == ('is', 'is', 'en', 'en')
    assert current_language() == 'en'


@pytest.mark.parametrize(
    ('header', 'html_lang', 'shown', 'not_shown'),
    [
        ('is-IS,is;q=0.9,en;q=0.5', 'is', ('Tölvupóststillingar', 'Skjöl'), 'Documents'),
        ('en-GB,en;q=0.9', 'en-GB', ('Email settings', 'Documents'), 'Skjöl'),
    ],
)
async def test_the_browsers_language_gives_the_pages_and_html_lang(
    app_user: User, header: str, html_lang: str, shown: tuple[str, str], not_shown: str
) -> None:
    app_user.http_client.headers['Accept-Language'] = header
    response = await app_user.http_client.get('/settings')
    assert f'<html lang="{html_lang}"' in response.text
    await app_user.open('/settings')
    for text in shown:
        await app_user.should_see(text)
    await app_user.should_not_see(not_shown)


async def test_the_language_chosen_in_the_header_is_kept_and_beats_the_browser(
    app_user: User, services: Services
) -> None:
    app_user.http_client.headers['Accept-Language'] = 'en-GB,en;q=0.9'
    answer = await app_user.http_client.get('/language/is', params={'next': '/documents'}, follow_redirects=False)
    assert (answer.status_code, answer.headers['location']) == (303, '/documents')
    assert services.folder.preferences.language() == 'is'
    await app_user.open('/contacts')
    await app_user.should_see('Tengiliðir')
    answer = await app_user.http_client.get('/language/en', params={'next': '//evil.example'}, follow_redirects=False)
    assert answer.headers['location'] == '/'
    assert services.folder.preferences.language() == 'en'


def test_a_terminal_command_run_in_process_leaves_the_language_as_it_found_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Otherwise everything after it in this thread (a test's clicks, say) would speak the terminal's language."""
    from main import main

    for name in ('LANGUAGE', 'LC_ALL', 'LC_MESSAGES'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('LANG', 'is_IS.UTF-8')
    with pytest.raises(SystemExit):
        main(['--help'])
    assert 'Mailroom' in capsys.readouterr().out
    assert current_language() == 'en'
