"""Mailroom's own redirect route: the provider sends the browser back here after the sign-in (RFC 8252 loopback).

It hands the answer to the settings page that is waiting for it and tells the person to go back there; the page shows
no token, only who signed in.
"""

from __future__ import annotations

import html

from nicegui import app
from starlette.requests import Request
from starlette.responses import HTMLResponse

from core.causes import explain
from core.i18n import _, current_language
from core.oauth.signins import CALLBACK_PATH, SignIns
from core.oauth.values import OAuthFailure


def register(signins: SignIns) -> None:
    async def callback(request: Request) -> HTMLResponse:
        try:
            token = await signins.complete(str(request.url))
        except OAuthFailure as failure:
            said = explain(failure.cause, reply=failure.detail)
            return _page(_('Not signed in'), f'{said.what} {said.why}', said.fix, status=400)
        who = token.account or _('your account')
        return _page(
            _('Signed in'),
            _('Mailroom is signed in as {account}.').format(account=who),
            _('Close this tab and go back to the Email settings page: test the settings there, then press Update.'),
        )

    app.add_api_route(CALLBACK_PATH, callback, methods=['GET'], include_in_schema=False)


def _page(title: str, what: str, next_step: str, *, status: int = 200) -> HTMLResponse:
    body = (
        f'<!doctype html><html lang="{current_language()}"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width">'
        f'<title>{html.escape(title)} · Mailroom</title>'
        '<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">'
        f'<h1>{html.escape(title)}</h1><p>{html.escape(what)}</p><p>{html.escape(next_step)}</p></body></html>'
    )
    return HTMLResponse(
        body, status_code=status, headers={'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer'}
    )
