"""What a token says about itself: the claims of a JWT, read without checking its signature.

Only for showing and diagnosing (which account, audience and scopes a token was minted for); the token came straight
from the provider's token endpoint over TLS, which OpenID Connect Core 3.1.3.7 accepts in place of the signature.
Microsoft personal-account and Google access tokens are opaque: they have no claims, and that is not an error.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

ACCOUNT_CLAIMS = ('email', 'upn', 'preferred_username', 'unique_name')


def token_claims(token: str) -> dict[str, Any]:
    parts = token.split('.')
    if len(parts) != 3:
        return {}
    payload = parts[1] + '=' * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode('ascii')))
    except (binascii.Error, ValueError, UnicodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def account_of(*tokens: str) -> str:
    """The account a sign-in belongs to: the first account claim of the first token that has one."""
    for token in tokens:
        claims = token_claims(token) if token else {}
        for name in ACCOUNT_CLAIMS:
            if isinstance(value := claims.get(name), str) and '@' in value:
                return value
    return ''
