"""`python main.py signin`: sign in with the provider from a terminal, with a code entered in any browser (device code).

For a computer without a browser (a server), or a browser on another computer. The sign-in is saved like one made on
the Email settings page; Microsoft and any provider with a device authorisation address offer it, Google does not.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from typing import TextIO

from core.causes import explain
from core.i18n import _, ngettext
from core.oauth.values import OAuthApp, OAuthFailure, TokenSet
from core.settings import oauth_errors
from storage.settings_repo import SettingsRepository

EXIT_SIGNED_IN, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = _(
        'Sign in with Microsoft (or another provider with sign-in by code) for the saved email settings: open the '
        'address shown on any device, enter the code, and the sign-in is saved.'
    )


def run(repository: SettingsRepository, out: TextIO = sys.stdout) -> int:
    public = repository.load_public()
    if public is None or not public.uses_oauth:
        advice = _(
            'the saved settings do not sign in with a provider. On the Email settings page choose Authentication "Sign '
            'in with Microsoft, Google …", enter the client ID, press Update, then run this again.'
        )
        sys.stderr.write(f'mailroom signin: {advice}\n')
        return EXIT_INVALID
    settings = repository.with_saved_secrets(public, require=False)  # the client secret; the sign-in is made anew
    if problems := oauth_errors(settings, signed_in=True):
        sys.stderr.write(f'mailroom signin: {" ".join(problems.values())}\n')
        return EXIT_INVALID
    app = OAuthApp.of(settings)
    if not app.provider.device_url:
        advice = _(
            '{provider} does not offer the sign-in with a code for mail. Sign in on the Email settings page in a '
            'browser on this computer instead.'
        ).format(provider=app.provider.name)
        sys.stderr.write(f'mailroom signin: {advice}\n')
        return EXIT_INVALID
    try:
        token = asyncio.run(_device_sign_in(app, out))
    except OAuthFailure as failure:
        said = explain(failure.cause, reply=failure.detail)
        not_signed_in = _('not signed in.')
        sys.stderr.write(f'mailroom signin: {not_signed_in} {said.text()}\n')
        return EXIT_FAILED
    except KeyboardInterrupt:
        stopped = _('stopped; nothing was saved.')
        sys.stderr.write(f'mailroom signin: {stopped}\n')
        return EXIT_FAILED
    account = token.account or settings.username
    repository.save(replace(settings, oauth_refresh_token=token.refresh_token, oauth_account=account, username=account))
    out.write(
        _('Signed in as {account}; the sign-in is saved. Test it with: python main.py check').format(account=account)
    )
    out.write('\n')
    return EXIT_SIGNED_IN


async def _device_sign_in(app: OAuthApp, out: TextIO) -> TokenSet:
    from core.oauth.client import request_device_code, wait_for_device  # httpx and Authlib load only here

    device = await request_device_code(app)
    minutes = device.expires_in // 60
    out.write(
        _('To sign in, open {address} on any computer or phone and enter the code {code}').format(
            address=device.verification_uri, code=device.user_code
        )
        + '\n'
        + ngettext(
            'Waiting for you to sign in there (the code is valid for {count} minute; Ctrl-C stops) …',
            'Waiting for you to sign in there (the code is valid for {count} minutes; Ctrl-C stops) …',
            minutes,
        ).format(count=minutes)
        + '\n'
    )
    out.flush()
    return await wait_for_device(app, device)
