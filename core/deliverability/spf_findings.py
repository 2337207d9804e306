"""The SPF findings: one valid record, its lookups, what it says about other servers, and whether it allows the
servers these settings send through."""

from __future__ import annotations

from core.deliverability import spf
from core.deliverability.facts import DomainFacts, Unknown
from core.deliverability.findings import TRY_AGAIN, Finding, FindingStatus
from core.deliverability.sender_findings import rewrites_from
from core.deliverability.senders import SENDER_PROFILES
from core.i18n import N_, _, ngettext
from core.i18n.phrase import phrase

GOOD, WARN, PROBLEM, UNKNOWN = FindingStatus.GOOD, FindingStatus.WARN, FindingStatus.PROBLEM, FindingStatus.UNKNOWN
SPF_MEANING = N_(
    'SPF is the list of servers allowed to send email for your domain. Receivers such as Gmail, Yahoo and Outlook.com '
    'check it on every email; an email from a server not on the list is more likely to land in spam.'
)
STOPS_AFTER_TEN = N_('Receivers stop after 10 lookups and treat the whole record as broken.')


def spf_findings(facts: DomainFacts) -> list[Finding]:
    domain, records = facts.domain, facts.spf_records
    if isinstance(records, Unknown):
        return [
            Finding(
                'spf',
                'SPF',
                UNKNOWN,
                _('Could not check SPF: {reason}.').format(reason=records.reason),
                _(SPF_MEANING),
                _(TRY_AGAIN),
            )
        ]
    suggestion = _spf_suggestion(facts)
    if not records:
        return [
            Finding(
                'spf',
                'SPF',
                PROBLEM,
                _('{domain} publishes no SPF record.').format(domain=domain),
                _(SPF_MEANING),
                _('Add a TXT record at {domain} with the value: {record}').format(domain=domain, record=suggestion),
            )
        ]
    if len(records) > 1:
        return [
            Finding(
                'spf',
                'SPF',
                PROBLEM,
                _('{domain} publishes {count} SPF records; there must be exactly one.').format(
                    domain=domain, count=len(records)
                ),
                _('Receivers treat more than one SPF record as an error and ignore them all, as if there were none.'),
                _('Merge them into one TXT record that starts with v=spf1 and lists every service you send with.'),
                {f'Record {n}': text for n, text in enumerate(records, start=1)},
                {f'Record {n}': phrase('Record {number}', number=n) for n in range(1, len(records) + 1)},
            )
        ]
    record = spf.parse(records[0])
    tree = facts.spf_tree or spf.SpfTree()
    details = {N_('Record'): record.text}
    if record.errors or tree.problems:
        return [
            Finding(
                'spf',
                'SPF',
                PROBLEM,
                _('The SPF record of {domain} has mistakes: {mistakes}.').format(
                    domain=domain, mistakes='; '.join([*record.errors, *tree.problems])
                ),
                _('Receivers ignore an SPF record with a mistake in it (a "permerror"), as if there were none.'),
                _('Correct the TXT record at {domain}. A record that works for your settings: {record}').format(
                    domain=domain, record=suggestion
                ),
                details,
            )
        ]
    findings = [
        Finding(
            'spf',
            'SPF',
            GOOD,
            _('{domain} publishes one valid SPF record.').format(domain=domain),
            _(SPF_MEANING),
            '',
            details,
        )
    ]
    findings.append(_spf_lookups(domain, tree))
    findings.append(_spf_all(domain, record))
    authorised = spf_allows_sender(facts)
    if authorised is not None:
        findings.append(authorised)
    return findings


def _spf_lookups(domain: str, tree: spf.SpfTree) -> Finding:
    title = _('SPF lookups')
    details = {N_('Includes followed'): ', '.join(sorted(tree.includes)) or _('none')}
    if tree.lookups > spf.LOOKUP_LIMIT:
        return Finding(
            'spf-lookups',
            title,
            PROBLEM,
            ngettext(
                'The SPF record of {domain} needs {count} DNS lookup; the limit is {limit}.',
                'The SPF record of {domain} needs {count} DNS lookups; the limit is {limit}.',
                tree.lookups,
            ).format(domain=domain, count=tree.lookups, limit=spf.LOOKUP_LIMIT),
            _('Receivers stop after 10 lookups and treat the whole record as broken, so SPF fails for every email.'),
            _(
                'Remove the include: of services you no longer send with, or replace an include with the ip4:/ip6: '
                'addresses it stands for.'
            ),
            details,
        )
    if not tree.complete:
        return Finding(
            'spf-lookups',
            title,
            UNKNOWN,
            _('Could not count the SPF lookups: the DNS did not answer for {names}.').format(
                names=', '.join(tree.unavailable)
            ),
            _(STOPS_AFTER_TEN),
            _(TRY_AGAIN),
            details,
        )
    return Finding(
        'spf-lookups',
        title,
        GOOD,
        _('The SPF record needs {count} of at most {limit} DNS lookups.').format(
            count=tree.lookups, limit=spf.LOOKUP_LIMIT
        ),
        _('Receivers stop after 10 lookups; this record stays within the limit.'),
        '',
        details,
    )


def _spf_all(domain: str, record: spf.SpfRecord) -> Finding:
    title = _('SPF for other servers')
    qualifier = record.all_qualifier
    if qualifier == '+':
        return Finding(
            'spf-all',
            title,
            PROBLEM,
            _(
                'The SPF record of {domain} ends with +all: it allows every server in the world to send as {domain}.'
            ).format(domain=domain),
            _('Anyone can then send email in your name that passes SPF, and receivers learn to distrust your domain.'),
            _('Change +all at the end of the record to ~all (or -all once you are sure the list is complete).'),
        )
    if qualifier is None and record.redirect:
        return Finding(
            'spf-all',
            title,
            GOOD,
            _('The SPF record of {domain} hands over to {target} for everything else.').format(
                domain=domain, target=record.redirect
            ),
            _('The record it redirects to decides about other servers.'),
        )
    if qualifier in ('?', None):
        said = (
            _('The SPF record of {domain} ends with ?all: it says nothing about other servers.')
            if qualifier
            else _('The SPF record of {domain} does not end with an "all" rule: it says nothing about other servers.')
        )
        return Finding(
            'spf-all',
            title,
            WARN,
            said.format(domain=domain),
            _(
                'Receivers then treat email from any other server as neither allowed nor forbidden, which gives your '
                'domain little protection against people sending in your name.'
            ),
            _('End the record with ~all (or -all once you are sure the list is complete).'),
        )
    ends = (
        _('The SPF record ends with -all: other servers are refused.')
        if qualifier == '-'
        else _('The SPF record ends with {qualifier}all: other servers are suspect.').format(qualifier=qualifier)
    )
    return Finding('spf-all', title, GOOD, ends, _('Email in your name from servers not on the list fails SPF.'))


def spf_allows_sender(facts: DomainFacts) -> Finding | None:
    """Does the record name the servers these settings send through?"""
    setup, domain, tree = facts.setup, facts.domain, facts.spf_tree or spf.SpfTree()
    provider = setup.provider
    title = _('SPF allows your mail service')
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
                _('The SPF record allows {provider}’s servers (include:{include}).').format(
                    provider=provider.name, include=named[0]
                ),
                _('Emails you send through {provider} pass SPF for {domain}.').format(
                    provider=provider.name, domain=domain
                ),
            )
        if not tree.complete:
            return Finding(
                'spf-provider',
                title,
                UNKNOWN,
                _('Could not tell whether SPF allows {provider}: the DNS did not answer for {names}.').format(
                    provider=provider.name, names=', '.join(tree.unavailable)
                ),
                _(SPF_MEANING),
                _(TRY_AGAIN),
            )
        return Finding(
            'spf-provider',
            title,
            PROBLEM,
            _('The SPF record of {domain} does not allow {provider}’s servers.').format(
                domain=domain, provider=provider.name
            ),
            _('Emails you send through {provider} fail SPF for {domain}.').format(
                provider=provider.name, domain=domain
            ),
            _('Add include:{include} to the SPF record, before its "all" at the end.').format(
                include=profile.spf_includes[0]
            ),
            {N_('Looked for'): ', '.join(f'include:{name}' for name in profile.spf_includes)},
        )
    if not setup.own_server:
        return None
    server, extra = facts.server_addresses, facts.spf_addresses
    if isinstance(server, Unknown) or isinstance(extra, Unknown):
        reason = server.reason if isinstance(server, Unknown) else extra.reason if isinstance(extra, Unknown) else ''
        return Finding(
            'spf-provider',
            title,
            UNKNOWN,
            _('Could not tell whether SPF allows your server: {reason}.').format(reason=reason),
            _(SPF_MEANING),
        )
    if not server:
        return None
    allowed = [a for a in server if tree.authorises(a) or a in extra]
    if allowed:
        return Finding(
            'spf-provider',
            title,
            GOOD,
            _('The SPF record allows your server {host} ({addresses}).').format(
                host=setup.smtp_host, addresses=', '.join(allowed)
            ),
            _('Emails your server sends pass SPF for {domain}.').format(domain=domain),
        )
    return Finding(
        'spf-provider',
        title,
        PROBLEM if tree.complete else UNKNOWN,
        _('The SPF record of {domain} does not list your server {host} ({addresses}).').format(
            domain=domain, host=setup.smtp_host, addresses=', '.join(server)
        ),
        _(
            'Emails your server sends fail SPF for {domain}. (Mailroom assumes the server sends from the address it '
            'answers on.)'
        ).format(domain=domain),
        _('Add ip4:{address} (or ip6: for an IPv6 address) to the SPF record, before its "all" at the end.').format(
            address=server[0]
        )
        if tree.complete
        else _(TRY_AGAIN),
    )


def _spf_suggestion(facts: DomainFacts) -> str:
    provider = facts.setup.provider
    profile = SENDER_PROFILES.get(provider.key) if provider else None
    if profile is not None:
        return f'v=spf1 include:{profile.spf_includes[0]} ~all'
    server = facts.server_addresses
    if facts.setup.own_server and isinstance(server, tuple) and server:
        return f'v=spf1 {"ip6" if ":" in server[0] else "ip4"}:{server[0]} ~all'
    return _('v=spf1 include:<your mail service’s SPF name> ~all (your mail service’s help pages give the exact value)')
