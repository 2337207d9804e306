"""The page language: chosen in the header (kept in the preferences) or the browser's Accept-Language.

A middleware sets it for every request and socket, so a page, its event handlers and the tasks they start all speak
the language the page was built in; Quasar's own texts and `<html lang>` follow through `page.resolve_language`.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

from nicegui import Client, app, context, ui
from nicegui.language import Language
from nicegui.slot import Slot, get_task_id
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from core.i18n import LANGUAGES, _, current_language, negotiate, reset_language, set_fallback, set_language

QUASAR_LANGUAGES: dict[str, Language] = {'en': 'en-GB', 'is': 'is'}
_CLIENT_KEY = 'mailroom_language'
SWITCH_PATH = '/language/{language}'


class LanguageMiddleware:
    """Sets the language of each request and socket connection before anything else runs."""

    def __init__(self, app: ASGIApp, *, chosen: Callable[[], str | None]) -> None:
        self.app = app
        self._chosen = chosen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] not in ('http', 'websocket'):
            await self.app(scope, receive, send)
            return
        token = set_language(self._language_of(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            reset_language(token)

    def _language_of(self, scope: Scope) -> str:
        chosen = self._chosen()
        if chosen:
            return chosen
        page_language = _language_of_page(scope)  # a socket speaks as the page that opened it
        if page_language:
            return page_language
        headers = dict(scope.get('headers') or [])
        return negotiate(headers.get(b'accept-language', b'').decode('latin-1'))


def _language_of_page(scope: Scope) -> str | None:
    query = parse_qs(scope.get('query_string', b'').decode('latin-1'))
    client = Client.instances.get((query.get('client_id') or [''])[0])
    language = client.storage.get(_CLIENT_KEY) if client is not None else None
    return language if isinstance(language, str) else None


def _language_of_current_client() -> str | None:
    """For work that runs outside a request's context (the `User` test fixture's clicks): the page's language."""
    task_id = get_task_id()
    stack = Slot.stacks.get(task_id) if task_id else None  # not `context.client`: outside a page it starts script mode
    if not stack:
        return None
    try:
        language = stack[-1].parent.client.storage.get(_CLIENT_KEY)
    except RuntimeError:  # the slot's element was deleted, as a rebuilt card's button is after its click
        return None
    return language if isinstance(language, str) else None


class page(ui.page):
    """`ui.page` whose Quasar texts and `<html lang>` follow the request's language."""

    def resolve_language(self) -> Language | None:
        return QUASAR_LANGUAGES[current_language()]


def remember_page_language() -> None:
    """Called as a page is built: its socket and its clicks speak the language the page was built in."""
    context.client.storage[_CLIENT_KEY] = current_language()


def register(*, choose: Callable[[str | None], None]) -> None:
    """The language switch: a plain link per language, so it works from the keyboard and without the socket."""
    set_fallback(_language_of_current_client)

    async def switch(request: Request, language: str) -> RedirectResponse:
        choose(language if language in LANGUAGES else None)
        back = request.query_params.get('next', '/')
        return RedirectResponse(back if back.startswith('/') and not back.startswith('//') else '/', status_code=303)

    app.add_api_route(SWITCH_PATH, switch, methods=['GET'], include_in_schema=False)


def language_menu(path: str) -> None:
    """In the header: the current language's name; the menu lists each language in its own words, as links."""
    shown = LANGUAGES[current_language()]
    label = _('Language')
    with ui.button(shown, icon='translate').props(f'flat color=white no-caps aria-label="{label}: {shown}"'), ui.menu():
        for code, name in LANGUAGES.items():
            link = ui.link(name, SWITCH_PATH.format(language=code) + '?' + urlencode({'next': path}))
            link.classes('block px-4 py-2 text-base no-underline text-black hover:bg-grey-2')
            link.props(f'lang={code}' + (' aria-current=true' if code == current_language() else ''))
