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
    SOURCE_TITLES,
    USERNAME_FORM_LABELS,
    Discovery,
    SourceEvent,
    SourceStatus,
)
from core.discovery.network import Network
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
    parser.description = (
        'Find the SMTP server, port, connection security and username form for an email address. Asks, all at once: '
        "Mailroom's provider list, Thunderbird's provider database (bundled), the domain's own settings file over "
        'HTTPS, its MX and SRV records, and last the usual server names (no password is sent).'
    )
    parser.add_argument('address', help='the email address you send from, e.g. office@example.com')
    parser.add_argument('--json', action='store_true', help='one JSON object per event; the last line is the result')
    parser.add_argument(
        '--no-network', action='store_true', help='answer from the bundled data alone: no DNS, HTTP or connection'
    )


def run(args: argparse.Namespace, network: Network | None = None, out: TextIO = sys.stdout) -> int:
    """Exit 0 when settings were found, 1 when none were, 2 when the address is not one."""
    try:
        discovery = asyncio.run(_search(args.address, network, not args.no_network, args.json, out))
    except KeyboardInterrupt:
        return 130
    if discovery.proposal is not None:
        return EXIT_FOUND
    return EXIT_INVALID if not discovery.outcomes else EXIT_NOTHING


async def _search(address: str, network: Network | None, use_network: bool, as_json: bool, out: TextIO) -> Discovery:
    from core.discovery.finder import discover

    async with contextlib.aclosing(discover(address, network, use_network=use_network)) as events:
        async for item in events:
            if isinstance(item, Discovery):
                out.write(json.dumps(item.to_dict(), ensure_ascii=False) + '\n' if as_json else render_result(item))
                out.flush()
                return item
            out.write(json.dumps(item.to_dict(), ensure_ascii=False) + '\n' if as_json else render_event(item))
            out.flush()
    raise RuntimeError('the search ended without a result')  # discover always ends with a Discovery


def render_event(event: SourceEvent) -> str:
    return f'{ICONS[event.status]} {SOURCE_TITLES[event.source]}: {event.message}\n'


def render_result(discovery: Discovery) -> str:
    proposal = discovery.proposal
    if proposal is None:
        return f'\n{discovery.message}\n'
    sources = proposal.sources
    lines = [
        '',
        f'Found: {proposal.describe()}',
        f'  SMTP server          {proposal.host}   (from {sources.get("server", proposal.source_detail)})',
        f'  Port                 {proposal.port}',
        f'  Connection security  {SECURITY_LABELS[proposal.security]}',
        f'  Username             {proposal.username or "(ask your provider)"}   '
        f'({USERNAME_FORM_LABELS[proposal.username_form]}; {sources.get("username", "")})',
        f'  Sign-in              {SIGN_IN_LABELS[proposal.sign_in]}',
    ]
    if proposal.oauth_provider:
        lines.append(f'                       ("Sign in with {proposal.oauth_provider}" is possible for this provider)')
    lines += [f'  Note: {note}' for note in proposal.notes]
    lines.append(
        'Test these settings: Find my settings on the Email settings page fills them in, or run\n'
        f'  python main.py check --host {proposal.host} --port {proposal.port} --security {proposal.security.value} '
        f'--username {proposal.username or "USERNAME"} --email {discovery.address} --no-send'
    )
    return '\n'.join(lines) + '\n'
