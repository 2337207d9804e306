"""Signing in to a mail provider with OAuth2 (XOAUTH2 over SMTP): the providers, the flows and the token cache.

Built on Authlib's async client over httpx, with Mailroom's one TLS context. No client ID is shipped: the user brings
their own app registration (docs/sign-in.md).
"""
