"""`python main.py check --deliverability`: the deliverability findings after the settings test, as lines or JSON.

`MAILROOM_TEST_DNS=127.0.0.1:PORT` points the DNS lookups at a server on this computer. It exists for the tests
(which never reach the network) and accepts loopback addresses only, so it cannot redirect a real user's lookups.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
from collections.abc import Iterable
from typing import TextIO

from core.deliverability.findings import STATUS_LABELS, FindingStatus, Report
from core.diagnostics.events import StepEvent
from core.dns import DnsResolver
from core.i18n import _
from core.settings import EmailSettings

TEST_DNS_ENV = 'MAILROOM_TEST_DNS'
ICONS = {FindingStatus.GOOD: '✓', FindingStatus.WARN: '⚠', FindingStatus.PROBLEM: '✗', FindingStatus.UNKNOWN: '?'}


class TestDnsRefused(ValueError):
    """MAILROOM_TEST_DNS names something other than a DNS server on this computer."""


def resolver_from_environment() -> DnsResolver:
    """The system's DNS servers, or the tests' loopback server named in MAILROOM_TEST_DNS."""
    value = os.environ.get(TEST_DNS_ENV, '').strip()
    if not value:
        return DnsResolver()
    host, _colon, port = value.rpartition(':')
    try:
        loopback = ipaddress.ip_address(host.strip('[]')).is_loopback
    except ValueError:
        loopback = False
    if not loopback or not port.isdigit():
        raise TestDnsRefused(
            _(
                '{variable} is only for tests and must name a DNS server on this computer, such as 127.0.0.1:5353 (it '
                'is "{value}"). Unset it to use your normal DNS.'
            ).format(variable=TEST_DNS_ENV, value=value)
        )
    return DnsResolver([host.strip('[]')], port=int(port))


def report_deliverability(
    settings: EmailSettings, steps: Iterable[StepEvent], resolver: DnsResolver, *, as_json: bool, out: TextIO
) -> None:
    """Check the From domain (comparing the name the server gave in the test) and write the findings."""
    from core.deliverability.check import check_deliverability, server_name_from
    from core.deliverability.facts import SendingSetup

    if not as_json:
        domain = SendingSetup.from_settings(settings).from_domain or '…'
        out.write('\n' + _('Checking the deliverability of {domain}.').format(domain=domain) + '\n')
        out.flush()
    setup = SendingSetup.from_settings(settings, server_name=server_name_from(steps))
    report = asyncio.run(check_deliverability(setup, resolver))
    out.write(json.dumps(report.to_json(), ensure_ascii=False) + '\n' if as_json else format_report(report))
    out.flush()


def format_report(report: Report) -> str:
    """Grouped as on the page, problems first; each finding with why it matters and what to do."""
    title = (
        _('Deliverability of {domain}').format(domain=report.domain)
        if report.domain
        else _('Deliverability of your sending address')
    )
    lines = ['', title]
    for status, findings in report.grouped():
        lines.append(f'  {_(STATUS_LABELS[status])}')
        for finding in findings:
            lines.append(f'    {ICONS[status]} {finding.title}: {finding.message}')
            if finding.meaning and status is not FindingStatus.GOOD:
                lines.append('        ' + _('Why it matters: {meaning}').format(meaning=finding.meaning))
            if finding.action:
                lines.append('        ' + _('What to do: {action}').format(action=finding.action))
    return '\n'.join(lines) + '\n'
