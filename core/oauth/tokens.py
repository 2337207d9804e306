"""Access tokens in memory, refreshed before they expire; each rotated refresh token handed on to be saved at once.

One lock per signed-in connection, so the outbox, the settings test and a page never refresh the same sign-in twice
at the same moment (Microsoft rotates the refresh token on every use: two refreshes in parallel would race).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from core.oauth.values import OAuthApp, TokenSet
from core.settings import EmailSettings, secret_owner

LEEWAY_SECONDS = 60
"""A token this close to its expiry is refreshed first: the SMTP session it signs in must not outlive it."""

Rotated = Callable[[EmailSettings, str], object]


@dataclass(frozen=True)
class FreshToken:
    """An access token ready for XOAUTH2, and how it was got (for the settings test's token step)."""

    token: TokenSet
    refreshed: bool


@dataclass
class _Entry:
    token: TokenSet | None
    known: set[str]  # the refresh tokens of this sign-in: the one saved and those it was rotated into
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class TokenCache:
    def __init__(self, on_rotated: Rotated | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self._on_rotated = on_rotated
        self._clock = clock
        self._entries: dict[str, _Entry] = {}

    async def access_token(self, settings: EmailSettings) -> FreshToken:
        """A valid access token for these settings' sign-in. Raises OAuthFailure when the provider refuses."""
        entry = self._entry(settings)
        async with entry.lock:
            token = entry.token
            if token is not None and token.expires_at - LEEWAY_SECONDS > self._clock():
                return FreshToken(token, refreshed=False)
            from core.oauth.client import refresh  # httpx and Authlib load with the first refresh

            latest = token.refresh_token if token is not None else settings.oauth_refresh_token
            fresh = await refresh(OAuthApp.of(settings), latest)
            if not fresh.account and token is not None:
                fresh = replace(fresh, account=token.account)
            entry.token = fresh
            if fresh.refresh_token not in entry.known:
                entry.known.add(fresh.refresh_token)
                if self._on_rotated is not None:  # told with the refresh token it replaces, whichever that was
                    self._on_rotated(replace(settings, oauth_refresh_token=latest), fresh.refresh_token)
            return FreshToken(fresh, refreshed=True)

    def remember(self, settings: EmailSettings, token: TokenSet) -> None:
        """A sign-in just made: its access token serves until it expires, without a refresh."""
        key = _key(settings)
        self._entries[key] = _Entry(token, {token.refresh_token, settings.oauth_refresh_token} - {''})

    def latest_refresh_token(self, settings: EmailSettings) -> str:
        """The newest refresh token of this sign-in: what Update must save if a refresh rotated it meanwhile."""
        entry = self._entries.get(_key(settings))
        if entry is None or entry.token is None or settings.oauth_refresh_token not in entry.known:
            return settings.oauth_refresh_token
        return entry.token.refresh_token

    def forget(self, settings: EmailSettings) -> None:
        self._entries.pop(_key(settings), None)

    def _entry(self, settings: EmailSettings) -> _Entry:
        key = _key(settings)
        entry = self._entries.get(key)
        if entry is None or settings.oauth_refresh_token not in entry.known:  # another sign-in: start afresh
            entry = self._entries[key] = _Entry(None, {settings.oauth_refresh_token})
        return entry


def _key(settings: EmailSettings) -> str:
    return json.dumps(secret_owner(settings, 'oauth_refresh_token'), sort_keys=True)
