"""The SPF findings: one valid record, its lookups, what it says about other servers, and whether it allows the
servers these settings send through."""

from __future__ import annotations

from core.deliverability import spf
from core.deliverability.check import DomainFacts, Unknown
from core.deliverability.findings import TRY_AGAIN, Finding, FindingStatus
from core.deliverability.sender_findings import rewrites_from
from core.deliverability.senders import SENDER_PROFILES

GOOD, WARN, PROBLEM, UNKNOWN = FindingStatus.GOOD, FindingStatus.WARN, FindingStatus.PROBLEM, FindingStatus.UNKNOWN
SPF_MEANING = (
    'SPF is the list of servers allowed to send email for your domain. Receivers such as Gmail, Yahoo and Outlook.com '
    'check it on every email; an email from a server not on the list is more likely to land in spam.'
)


def spf_findings(facts: DomainFacts) -> list[Finding]:
    domain, records = facts.domain, facts.spf_records
    if isinstance(records, Unknown):
        return [Finding('spf', 'SPF', UNKNOWN, f'Could not check SPF: {records.reason}.', SPF_MEANING, TRY_AGAIN)]
    suggestion = _spf_suggestion(facts)
    if not records:
        return [
            Finding(
                'spf',
                'SPF',
                PROBLEM,
                f'{domain} publishes no SPF record.',
                SPF_MEANING,
                f'Add a TXT record at {domain} with the value: {suggestion}',
            )
        ]
    if len(records) > 1:
        return [
            Finding(
                'spf',
                'SPF',
                PROBLEM,
                f'{domain} publishes {len(records)} SPF records; there must be exactly one.',
                'Receivers treat more than one SPF record as an error and ignore them all, as if there were none.',
                'Merge them into one TXT record that starts with v=spf1 and lists every service you send with.',
                {f'Record {n}': text for n, text in enumerate(records, start=1)},
            )
        ]
    record = spf.parse(records[0])
    tree = facts.spf_tree or spf.SpfTree()
    details = {'Record': record.text}
    if record.errors or tree.problems:
        return [
            Finding(
                'spf',
                'SPF',
                PROBLEM,
                f'The SPF record of {domain} has mistakes: {"; ".join([*record.errors, *tree.problems])}.',
                'Receivers ignore an SPF record with a mistake in it (a "permerror"), as if there were none.',
                f'Correct the TXT record at {domain}. A record that works for your settings: {suggestion}',
                details,
            )
        ]
    findings = [Finding('spf', 'SPF', GOOD, f'{domain} publishes one valid SPF record.', SPF_MEANING, '', details)]
    findings.append(_spf_lookups(domain, tree))
    findings.append(_spf_all(domain, record))
    authorised = spf_allows_sender(facts)
    if authorised is not None:
        findings.append(authorised)
    return findings


def _spf_lookups(domain: str, tree: spf.SpfTree) -> Finding:
    title = 'SPF lookups'
    details = {'Includes followed': ', '.join(sorted(tree.includes)) or 'none'}
    if tree.lookups > spf.LOOKUP_LIMIT:
        return Finding(
            'spf-lookups',
            title,
            PROBLEM,
            f'The SPF record of {domain} needs {tree.lookups} DNS lookups; the limit is {spf.LOOKUP_LIMIT}.',
            'Receivers stop after 10 lookups and treat the whole record as broken, so SPF fails for every email.',
            'Remove the include: of services you no longer send with, or replace an include with the ip4:/ip6: '
            'addresses it stands for.',
            details,
        )
    if not tree.complete:
        return Finding(
            'spf-lookups',
            title,
            UNKNOWN,
            f'Could not count the SPF lookups: the DNS did not answer for {", ".join(tree.unavailable)}.',
            'Receivers stop after 10 lookups and treat the whole record as broken.',
            TRY_AGAIN,
            details,
        )
    return Finding(
        'spf-lookups',
        title,
        GOOD,
        f'The SPF record needs {tree.lookups} of at most {spf.LOOKUP_LIMIT} DNS lookups.',
        'Receivers stop after 10 lookups; this record stays within the limit.',
        '',
        details,
    )


def _spf_all(domain: str, record: spf.SpfRecord) -> Finding:
    title = 'SPF for other servers'
    qualifier = record.all_qualifier
    if qualifier == '+':
        return Finding(
            'spf-all',
            title,
            PROBLEM,
            f'The SPF record of {domain} ends with +all: it allows every server in the world to send as {domain}.',
            'Anyone can then send email in your name that passes SPF, and receivers learn to distrust your domain.',
            'Change +all at the end of the record to ~all (or -all once you are sure the list is complete).',
        )
    if qualifier is None and record.redirect:
        return Finding(
            'spf-all',
            title,
            GOOD,
            f'The SPF record of {domain} hands over to {record.redirect} for everything else.',
            'The record it redirects to decides about other servers.',
        )
    if qualifier in ('?', None):
        said = 'ends with ?all' if qualifier else 'does not end with an "all" rule'
        return Finding(
            'spf-all',
            title,
            WARN,
            f'The SPF record of {domain} {said}: it says nothing about other servers.',
            'Receivers then treat email from any other server as neither allowed nor forbidden, which gives your '
            'domain little protection against people sending in your name.',
            'End the record with ~all (or -all once you are sure the list is complete).',
        )
    return Finding(
        'spf-all',
        title,
        GOOD,
        f'The SPF record ends with {qualifier}all: other servers are {"refused" if qualifier == "-" else "suspect"}.',
        'Email in your name from servers not on the list fails SPF.',
    )


def spf_allows_sender(facts: DomainFacts) -> Finding | None:
    """Does the record name the servers these settings send through?"""
    setup, domain, tree = facts.setup, facts.domain, facts.spf_tree or spf.SpfTree()
    provider = setup.provider
    title = 'SPF allows your mail service'
    profile = SENDER_PROFILES.get(provider.key) if provider else None
    if provider is not None and profile is not None:
        if setup.from_provider is not None or (setup.provider and rewrites_from(facts)):
            return None  # the From domain finding already says why SPF cannot pass for this domain
        named = sorted(tree.includes & set(profile.spf_includes))
        if named:
            return Finding(
                'spf-provider',
                title,
                GOOD,
                f'The SPF record allows {provider.name}’s servers (include:{named[0]}).',
                f'Emails you send through {provider.name} pass SPF for {domain}.',
            )
        if not tree.complete:
            return Finding(
                'spf-provider',
                title,
                UNKNOWN,
                f'Could not tell whether SPF allows {provider.name}: the DNS did not answer for '
                f'{", ".join(tree.unavailable)}.',
                SPF_MEANING,
                TRY_AGAIN,
            )
        return Finding(
            'spf-provider',
            title,
            PROBLEM,
            f'The SPF record of {domain} does not allow {provider.name}’s servers.',
            f'Emails you send through {provider.name} fail SPF for {domain}.',
            f'Add include:{profile.spf_includes[0]} to the SPF record, before its "all" at the end.',
            {'Looked for': ', '.join(f'include:{name}' for name in profile.spf_includes)},
        )
    if not setup.own_server:
        return None
    server, extra = facts.server_addresses, facts.spf_addresses
    if isinstance(server, Unknown) or isinstance(extra, Unknown):
        reason = server.reason if isinstance(server, Unknown) else extra.reason if isinstance(extra, Unknown) else ''
        return Finding(
            'spf-provider', title, UNKNOWN, f'Could not tell whether SPF allows your server: {reason}.', SPF_MEANING
        )
    if not server:
        return None
    allowed = [a for a in server if tree.authorises(a) or a in extra]
    if allowed:
        return Finding(
            'spf-provider',
            title,
            GOOD,
            f'The SPF record allows your server {setup.smtp_host} ({", ".join(allowed)}).',
            f'Emails your server sends pass SPF for {domain}.',
        )
    return Finding(
        'spf-provider',
        title,
        PROBLEM if tree.complete else UNKNOWN,
        f'The SPF record of {domain} does not list your server {setup.smtp_host} ({", ".join(server)}).',
        f'Emails your server sends fail SPF for {domain}. (Mailroom assumes the server sends from the address it '
        'answers on.)',
        f'Add ip4:{server[0]} (or ip6: for an IPv6 address) to the SPF record, before its "all" at the end.'
        if tree.complete
        else TRY_AGAIN,
    )


def _spf_suggestion(facts: DomainFacts) -> str:
    provider = facts.setup.provider
    profile = SENDER_PROFILES.get(provider.key) if provider else None
    if profile is not None:
        return f'v=spf1 include:{profile.spf_includes[0]} ~all'
    server = facts.server_addresses
    if facts.setup.own_server and isinstance(server, tuple) and server:
        return f'v=spf1 {"ip6" if ":" in server[0] else "ip4"}:{server[0]} ~all'
    return 'v=spf1 include:<your mail service’s SPF name> ~all (your mail service’s help pages give the exact value)'
