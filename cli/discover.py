"""`python main.py discover ADDRESS`: find the outgoing-mail settings for an address, as lines or JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from typing import TextIO

from core.discovery.model import (
    SIGN_IN_LABELS,
    USERNAME_FORM_LABELS,
    Discovery,
    SourceEvent,
    SourceStatus,
)
from core.discovery.network import Network
from core.i18n import _
from core.settings import SECURITY_LABELS

EXIT_FOUND, EXIT_NOTHING, EXIT_INVALID = 0, 1, 2
ICONS = {
    SourceStatus.ASKING: '…',
    SourceStatus.FOUND: '✓',
    SourceStatus.NOTHING: '–',
    SourceStatus.UNAVAILABLE: '?',
    SourceStatus.SKIPPED: '·',
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = _(
        'Find the SMTP server, port, connection security and username form for an email address. Asks, all at once: '
        "Mailroom's provider list, Thunderbird's provider database (bundled), the domain's own settings file over "
        'HTTPS, its MX and SRV records, and last the usual server names (no password is sent).'
    )
    parser.add_argument('address', help=_('the email address you send from, e.g. office@example.com'))
    parser.add_argument('--json', action='store_true', help=_('one JSON object per event; the last line is the result'))
    reach = parser.add_mutually_exclusive_group()
    reach.add_argument(
        '--no-network', action='store_true', help=_('answer from the bundled data alone: no DNS, HTTP or connection')
    )
    reach.add_argument(
        '--online-ispdb',
        action='store_true',
        help=_(
            "also ask Thunderbird's online provider database (live.thunderbird.net), for the domain and for the "
            'domain that hosts its mail; this tells Mozilla those domains'
        ),
    )


def run(args: argparse.Namespace, network: Network | None = None, out: TextIO = sys.stdout) -> int:
    """Exit 0 when settings were found, 1 when none were, 2 when the address is not one."""
    try:
        search = _search(args.address, network, not args.no_network, args.online_ispdb, args.json, out)
        discovery = asyncio.run(search)
    except KeyboardInterrupt:
        return 130
    if discovery.proposal is not None:
        return EXIT_FOUND
    return EXIT_INVALID if not discovery.outcomes else EXIT_NOTHING


async def _search(
    address: str, network: Network | None, use_network: bool, online_ispdb: bool, as_json: bool, out: TextIO
) -> Discovery:
    from core.discovery.finder import discover

    search = discover(address, network, use_network=use_network, online_ispdb=online_ispdb)
    async with contextlib.aclosing(search) as events:
        async for item in events:
            if isinstance(item, Discovery):
                out.write(json.dumps(item.to_dict(), ensure_ascii=False) + '\n' if as_json else render_result(item))
                out.flush()
                return item
            out.write(json.dumps(item.to_dict(), ensure_ascii=False) + '\n' if as_json else render_event(item))
            out.flush()
    raise RuntimeError(
        'the search ended without a result'
    )  # a defect, for the developer  # discover always ends with a Discovery


def render_event(event: SourceEvent) -> str:
    return f'{ICONS[event.status]} {event.title}: {event.message}\n'


def render_result(discovery: Discovery) -> str:
    proposal = discovery.proposal
    if proposal is None:
        return f'\n{discovery.message}\n'
    sources = proposal.sources
    rows = [
        (
            _('SMTP server'),
            _('{host}   (from {source})').format(
                host=proposal.host, source=sources.get('server', proposal.source_detail)
            ),
        ),
        (_('Port'), str(proposal.port)),
        (_('Connection security'), _(SECURITY_LABELS[proposal.security])),
        (
            _('Username'),
            '{username}   ({form}; {source})'.format(
                username=proposal.username or _('(ask your provider)'),
                form=_(USERNAME_FORM_LABELS[proposal.username_form]),
                source=sources.get('username', ''),
            ),
        ),
        (_('Sign-in'), _(SIGN_IN_LABELS[proposal.sign_in])),
    ]
    width = max(len(label) for label, _value in rows) + 2
    lines = ['', _('Found: {settings}').format(settings=proposal.describe())]
    lines += [f'  {label:<{width}}{value}' for label, value in rows]
    if proposal.oauth_provider:
        possible = _('("Sign in with {provider}" is possible for this provider)').format(
            provider=proposal.oauth_provider
        )
        lines.append(f'  {"":<{width}}{possible}')
    lines += ['  ' + _('Note: {note}').format(note=note) for note in proposal.notes]
    lines.append(_('Test these settings: Find my settings on the Email settings page fills them in, or run'))
    lines.append(
        f'  python main.py check --host {proposal.host} --port {proposal.port} --security {proposal.security.value} '
        f'--username {proposal.username or "USERNAME"} --email {discovery.address} --no-send'
    )
    return '\n'.join(lines) + '\n'
