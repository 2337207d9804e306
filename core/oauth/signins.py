"""Sign-ins waiting for the browser to come back to Mailroom's own redirect route on 127.0.0.1.

The page that pressed Sign in awaits the result; the route that the provider redirects to completes it. The state
(32 random bytes) finds the one waiting sign-in and is used once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from core.causes import Cause, classify_oauth_error
from core.i18n import _
from core.oauth.values import OAuthApp, OAuthFailure, PendingSignIn, TokenSet

CALLBACK_PATH = '/oauth/callback'
WAIT_SECONDS = 600.0


@dataclass
class _Waiting:
    app: OAuthApp
    pending: PendingSignIn
    result: asyncio.Future[TokenSet]


class SignIns:
    def __init__(self) -> None:
        self._waiting: dict[str, _Waiting] = {}  # until the browser comes back
        self._results: dict[str, asyncio.Future[TokenSet]] = {}  # until the page has taken the result

    def begin(self, app: OAuthApp, redirect_uri: str) -> PendingSignIn:
        from core.oauth.client import begin_sign_in

        pending = begin_sign_in(app, redirect_uri)
        future: asyncio.Future[TokenSet] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_taken)  # a page closed before the answer came must not leave an unread error
        self._waiting[pending.state] = _Waiting(app, pending, future)
        self._results[pending.state] = future
        return pending

    async def result(self, pending: PendingSignIn, *, timeout: float = WAIT_SECONDS) -> TokenSet:
        """The tokens once the browser is back. Raises OAuthFailure (refused, declined) or TimeoutError."""
        future = self._results.get(pending.state)
        if future is None:
            raise OAuthFailure(Cause.OAUTH_SIGN_IN_AGAIN, _('This sign-in was cancelled: press Sign in again.'))
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        finally:
            self.cancel(pending)

    def cancel(self, pending: PendingSignIn) -> None:
        self._waiting.pop(pending.state, None)
        future = self._results.pop(pending.state, None)
        if future is not None and not future.done():
            future.cancel()

    async def complete(self, callback_url: str) -> TokenSet:
        """The provider sent the browser back: match the state, exchange the code, hand the tokens to the page."""
        query = parse_qs(urlsplit(callback_url).query)
        state = (query.get('state') or [''])[0]
        waiting = self._waiting.pop(state, None)
        if waiting is None:
            raise OAuthFailure(
                Cause.OAUTH_SIGN_IN_AGAIN,
                _(
                    'This sign-in is not the one Mailroom is waiting for (it was cancelled, finished, or Mailroom '
                    'restarted): press Sign in again on the Email settings page.'
                ),
            )
        try:
            if error := (query.get('error') or [''])[0]:
                said = (query.get('error_description') or [''])[0]
                raise OAuthFailure(classify_oauth_error(error, said), f'{error}: {said}'.strip(': '))
            from core.oauth.client import finish_sign_in

            token = await finish_sign_in(waiting.app, waiting.pending, callback_url)
        except OAuthFailure as failure:
            if not waiting.result.done():
                waiting.result.set_exception(failure)
            raise
        if not waiting.result.done():
            waiting.result.set_result(token)
        return token


def _taken(future: asyncio.Future[TokenSet]) -> None:
    if not future.cancelled():
        future.exception()
