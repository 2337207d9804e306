"""The values of a sign-in, without the HTTP client: the app can hold and pass them before any is loaded."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.causes import Cause
from core.i18n.phrase import Phrase, literal
from core.oauth.providers import OAuthProvider, oauth_provider
from core.settings import EmailSettings


class OAuthFailure(Exception):
    """A sign-in or refresh that did not give a token: the cause, and the provider's own words for the expert (or
    Mailroom's, kept as a phrase: a refresh in the background ends up in the email log, read in any language)."""

    def __init__(self, cause: Cause, detail: str | Phrase) -> None:
        self.cause = cause
        self.said = detail if isinstance(detail, Phrase) else literal(detail)
        self.detail = str(detail)
        super().__init__(f'{cause.value}: {detail}')


@dataclass(frozen=True)
class OAuthApp:
    """The user's app registration at a provider: where to sign in, and as which client."""

    provider: OAuthProvider
    client_id: str
    client_secret: str = field(default='', repr=False)

    @classmethod
    def of(cls, settings: EmailSettings) -> OAuthApp:
        return cls(oauth_provider(settings), settings.oauth_client_id, settings.oauth_client_secret)


@dataclass(frozen=True)
class TokenSet:
    """One token answer. `expires_at` is an integer: Authlib treats a float as "never expires"."""

    access_token: str = field(repr=False)
    expires_at: int
    refresh_token: str = field(repr=False)
    scope: str = ''
    account: str = ''

    def expires_in(self, now: float) -> int:
        return int(self.expires_at - now)

    def missing_scopes(self, provider: OAuthProvider) -> frozenset[str]:
        """Mail scopes the provider did not grant; an answer without `scope` grants what was asked (RFC 6749 5.1)."""
        return frozenset() if not self.scope else provider.mail_scopes - set(self.scope.split())


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in opened in the browser: the page to open, and what the answer must match."""

    url: str
    state: str
    redirect_uri: str
    code_verifier: str = field(repr=False)


@dataclass(frozen=True)
class DeviceCode:
    """Microsoft's device-code flow: the code to type on another device, and where."""

    user_code: str
    verification_uri: str
    device_code: str = field(repr=False)
    interval: int = 5
    expires_in: int = 900
