"""The findings, in plain words, from the facts `check.py` gathered. No DNS here: every rule is a pure function."""

from __future__ import annotations

from dataclasses import dataclass

from core.deliverability import spf
from core.deliverability.check import DomainFacts, Unknown
from core.deliverability.dkim_keys import MIN_RSA_BITS
from core.deliverability.dmarc import DmarcPolicy
from core.deliverability.findings import Finding, FindingStatus
from core.deliverability.senders import SENDER_PROFILES
from core.settings import Protocol

GOOD, WARN, PROBLEM, UNKNOWN = FindingStatus.GOOD, FindingStatus.WARN, FindingStatus.PROBLEM, FindingStatus.UNKNOWN
CONSUMER_KEYS = frozenset({'gmail', 'yahoo', 'outlook', 'aol', 'gmx', 'icloud'})
GOOGLE_KEYS = frozenset({'gmail', 'google-workspace'})
MICROSOFT_KEYS = frozenset({'microsoft365', 'outlook'})
AGAIN = 'Run the check again in a minute. If it keeps happening, this network may be blocking DNS lookups.'
PASTE = 'Send a test email and paste its headers below to see what the receiver decided.'
SPF_MEANING = (
    'SPF is the list of servers allowed to send email for your domain. Receivers such as Gmail, Yahoo and Outlook.com '
    'check it on every email; an email from a server not on the list is more likely to land in spam.'
)
DKIM_MEANING = (
    'DKIM is a signature on each email that receivers check against a public key in your DNS. Without a key for your '
    'domain, your mail service signs with its own domain instead, and your domain cannot vouch for the email itself.'
)
DMARC_MEANING = (
    'DMARC tells receivers what to do with an email that claims to be from your domain but passes neither SPF nor '
    'DKIM for it: nothing (p=none), spam folder (p=quarantine) or refuse it (p=reject).'
)


@dataclass(frozen=True)
class Alignment:
    """Whether SPF or DKIM can pass for the From domain itself (what DMARC needs); None when unknown."""

    spf: bool | None
    dkim: bool | None

    @property
    def either(self) -> bool | None:
        if self.spf or self.dkim:
            return True
        return None if self.spf is None or self.dkim is None else False


def judge(facts: DomainFacts) -> tuple[Finding, ...]:
    if not facts.domain:
        return (
            Finding(
                'from-domain',
                'From address',
                PROBLEM,
                'There is no valid sender address to check.',
                'The check looks at the domain of the address your emails come from.',
                'Enter your email address in Email settings, then check again.',
            ),
        )
    alignment = _alignment(facts)
    findings = _from_domain(facts)
    if facts.setup.from_provider is None:  # a free-mail provider's own DNS is not the user's to change
        findings += [*_spf(facts), _dkim(facts), _dmarc(facts, alignment)]
    if facts.setup.own_server:
        findings.append(_reverse_dns(facts))
    findings.append(_sender_rules(facts, alignment, findings))
    return tuple(findings)


# --- From domain vs server and account --------------------------------------------------------------------------


def _from_domain(facts: DomainFacts) -> list[Finding]:
    setup, domain = facts.setup, facts.domain
    provider, from_provider = setup.provider, setup.from_provider
    title = 'From address and mail service'

    def said(status: FindingStatus, message: str, meaning: str, action: str = '') -> list[Finding]:
        return [Finding('from-domain', title, status, message, meaning, action)]

    policy = _policy(facts)
    enforced = policy is not None and policy.applies_to(domain) in ('quarantine', 'reject')
    consequence = (
        f'{domain} itself tells receivers to {_verb(policy.applies_to(domain))} such emails (DMARC '
        f'p={policy.applies_to(domain)}).'
        if enforced and policy
        else 'Receivers are likely to put them in spam.'
    )
    if from_provider is not None:
        sending_key = provider.key if provider else ''
        if sending_key == from_provider.key or {sending_key, from_provider.key} <= GOOGLE_KEYS:
            return said(
                GOOD,
                f'You send as {setup.from_address} through {from_provider.name}’s own server.',
                f'{from_provider.name} signs these emails and vouches for them. For invoices, an address at your '
                'own domain looks more trustworthy to customers and stays yours if you change provider.',
            )
        through = setup.smtp_host or setup.http_server or 'another service'
        return said(
            PROBLEM if enforced else WARN,
            f'Your From address is at {domain} ({from_provider.name}), but the emails go out through {through}.',
            f'Receivers ask {domain} whether {through} may send its email, and it may not. {consequence}',
            f'Send through {from_provider.name}’s own server ({from_provider.host}) with this address, or use an '
            f'address at your own domain with {through}.',
        )
    if provider is None:
        if not setup.own_server:
            return []  # an HTTP service: which servers it sends from is not known here
        return said(
            GOOD,
            f'You send as {setup.from_address} through your own server {setup.smtp_host}.',
            'Your server hands the emails to the receivers itself, so SPF must list it and its reverse DNS must '
            'be right: both are checked below.',
        )
    account = setup.account.strip().lower()
    account_is_address = '@' in account
    sender = setup.from_address.strip().lower()
    if provider.key in GOOGLE_KEYS and (not account_is_address or account.endswith(('@gmail.com', '@googlemail.com'))):
        return said(
            PROBLEM if enforced else WARN,
            f'You sign in to Gmail as {setup.account} but send as {setup.from_address}.',
            'Gmail replaces the From address with your Gmail address unless this address is added under Gmail '
            f'Settings → Accounts → "Send mail as". Even then Gmail signs the email for gmail.com, not {domain}, '
            f'so SPF and DKIM cannot pass for {domain}. {consequence}',
            f'Use an account at {domain} (Google Workspace or your domain’s own mail service) to send as '
            f'{setup.from_address}, or send as your Gmail address.',
        )
    if provider.key in CONSUMER_KEYS:
        return said(
            PROBLEM if enforced else WARN,
            f'Your address at {domain} is sent through a personal {provider.name} account.',
            f'{provider.name} signs and sends the email as its own, so SPF and DKIM cannot pass for {domain}. '
            f'{consequence}',
            f'Send through the mail service that hosts {domain} (its SMTP server), with an account at {domain}.',
        )
    if account_is_address and account != sender:
        if provider.key in MICROSOFT_KEYS:
            return said(
                WARN,
                f'You sign in as {setup.account} but send as {setup.from_address}.',
                f'Microsoft sends as {setup.from_address} only if the mailbox {setup.account} has "Send As" '
                'permission for it; otherwise it refuses the email (SendAsDenied, 5.7.60).',
                f'Ask your administrator to give {setup.account} "Send As" permission for {setup.from_address} '
                '(Exchange admin center → Recipients → Mailboxes → Delegation), or sign in as that address.',
            )
        return said(
            WARN,
            f'You sign in as {setup.account} but send as {setup.from_address}.',
            f'{provider.name} sends as another address only if it is set up as an alias of your account; '
            'otherwise it replaces the From address or refuses the email.',
            f'Add {setup.from_address} as an alias ("Send mail as") of {setup.account} at {provider.name}, or '
            'sign in as that address.',
        )
    return said(
        GOOD,
        f'You send as {setup.from_address} through {provider.name} with the same account.',
        'The From address belongs to the account you sign in with, so it is sent unchanged.',
    )


# --- SPF --------------------------------------------------------------------------------------------------------


def _spf(facts: DomainFacts) -> list[Finding]:
    domain, records = facts.domain, facts.spf_records
    if isinstance(records, Unknown):
        return [Finding('spf', 'SPF', UNKNOWN, f'Could not check SPF: {records.reason}.', SPF_MEANING, AGAIN)]
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
    authorised = _spf_authorises(facts)
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
            AGAIN,
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


def _spf_authorises(facts: DomainFacts) -> Finding | None:
    """Does the record name the servers these settings send through?"""
    setup, domain, tree = facts.setup, facts.domain, facts.spf_tree or spf.SpfTree()
    provider = setup.provider
    title = 'SPF allows your mail service'
    profile = SENDER_PROFILES.get(provider.key) if provider else None
    if provider is not None and profile is not None:
        if setup.from_provider is not None or (setup.provider and _rewrites_from(facts)):
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
                AGAIN,
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
        else AGAIN,
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


# --- DKIM -------------------------------------------------------------------------------------------------------


def _dkim(facts: DomainFacts) -> Finding:
    domain, provider = facts.domain, facts.setup.provider
    profile = SENDER_PROFILES.get(provider.key) if provider else None
    selectors = ', '.join(facts.dkim_selectors)
    details = {'Names looked up': ', '.join(f'{s}._domainkey.{domain}' for s in facts.dkim_selectors)}
    usable = [key for key in facts.dkim_found if key.usable]
    if usable:
        key = usable[0]
        size = f'{key.algorithm.upper()} {key.bits} bits' if key.bits else key.algorithm
        return Finding(
            'dkim',
            'DKIM',
            GOOD,
            f'{domain} publishes a DKIM key under the name "{key.selector}" ({size}).',
            'Receivers can check the signature on your emails against this key.',
            '',
            details,
        )
    setup_hint = f' ({profile.dkim_setup})' if profile and profile.dkim_setup else ''
    if facts.dkim_found:
        key = facts.dkim_found[0]
        if key.revoked:
            problem = f'the DKIM key under "{key.selector}" has been withdrawn (its p= value is empty)'
        elif key.problem:
            problem = f'the DKIM key under "{key.selector}" cannot be used: {key.problem}'
        else:
            problem = f'the DKIM key under "{key.selector}" is only {key.bits} bits; receivers need at least ' + str(
                MIN_RSA_BITS
            )
        return Finding(
            'dkim',
            'DKIM',
            PROBLEM,
            f'{problem[0].upper()}{problem[1:]}.',
            'Receivers treat a signature made with such a key as no signature at all.',
            f'Create a new 2048-bit DKIM key with your mail service{setup_hint} and publish it in your DNS.',
            details,
        )
    if facts.dkim_unavailable:
        return Finding(
            'dkim',
            'DKIM',
            UNKNOWN,
            f'Could not check DKIM: the DNS did not answer when asked for the keys of {domain} (names looked up: '
            f'{", ".join(facts.dkim_unavailable)}).',
            DKIM_MEANING,
            AGAIN,
            details,
        )
    if profile is not None and facts.setup.from_provider is None:
        return Finding(
            'dkim',
            'DKIM',
            WARN,
            f'{domain} publishes no DKIM key for {provider.name if provider else "your mail service"} '
            f'(looked under {selectors}).',
            DKIM_MEANING,
            f'Turn on DKIM for {domain} at {provider.name if provider else "your mail service"}{setup_hint}, and '
            'publish the record it gives you in your DNS.',
            details,
        )
    return Finding(
        'dkim',
        'DKIM',
        WARN,
        f'No DKIM key found for {domain} under the usual names ({selectors}).',
        DKIM_MEANING + ' Your server may use another name: paste the headers of a test email below to see it.',
        'Turn on DKIM signing on your mail server and publish its public key in your DNS.',
        details,
    )


# --- DMARC ------------------------------------------------------------------------------------------------------


def _policy(facts: DomainFacts) -> DmarcPolicy | None:
    found = facts.dmarc_found
    return None if isinstance(found, Unknown) else found[0]


def _dmarc(facts: DomainFacts, alignment: Alignment) -> Finding:
    domain, found = facts.domain, facts.dmarc_found
    if isinstance(found, Unknown):
        return Finding('dmarc', 'DMARC', UNKNOWN, f'Could not check DMARC: {found.reason}.', DMARC_MEANING, AGAIN)
    policy, count = found
    if policy is None:
        return Finding(
            'dmarc',
            'DMARC',
            WARN,
            f'{domain} publishes no DMARC record.',
            DMARC_MEANING + ' Gmail, Yahoo and Outlook.com require one from senders of more than 5,000 emails a day, '
            'and it protects your domain from people sending in its name.',
            f'Add a TXT record at _dmarc.{domain} with the value: v=DMARC1; p=none; '
            f'rua=mailto:{facts.setup.from_address}',
        )
    details = {'Record': policy.text, 'Found at': f'_dmarc.{policy.domain}'}
    if count > 1 or not policy.policy:
        what = f'{count} DMARC records' if count > 1 else 'a DMARC record without a valid p= policy'
        return Finding(
            'dmarc',
            'DMARC',
            PROBLEM,
            f'_dmarc.{policy.domain} has {what}.',
            'Receivers ignore DMARC records they cannot read, as if there were none.',
            'Keep exactly one record there, starting with v=DMARC1; p=none (or quarantine, or reject).',
            details,
        )
    applied = policy.applies_to(domain)
    if alignment.either is False:
        if applied in ('quarantine', 'reject'):
            return Finding(
                'dmarc',
                'DMARC',
                PROBLEM,
                f'Your own domain tells receivers to {_verb(applied)} these emails (DMARC p={applied}), and neither '
                f'SPF nor DKIM can pass for {domain} with these settings.',
                DMARC_MEANING,
                'Fix SPF or DKIM above first. Until then, you can set p=none in the DMARC record so that your emails '
                'are not refused.',
                details,
            )
        return Finding(
            'dmarc',
            'DMARC',
            WARN,
            f'DMARC is p=none, and neither SPF nor DKIM can pass for {domain} with these settings.',
            DMARC_MEANING + ' With p=none receivers still deliver, but they count the failures against you.',
            'Fix SPF or DKIM above.',
            details,
        )
    if alignment.either is None and applied in ('quarantine', 'reject'):
        return Finding(
            'dmarc',
            'DMARC',
            UNKNOWN,
            f'DMARC is p={applied}, and it is not known whether SPF or DKIM can pass for {domain}.',
            DMARC_MEANING,
            _unknown_action(facts),
            details,
        )
    meaning = {
        'none': 'Receivers only report failures to you (p=none); they do not refuse or junk the emails.',
        'quarantine': 'Emails in your name that fail SPF and DKIM go to spam (p=quarantine).',
        'reject': 'Emails in your name that fail SPF and DKIM are refused (p=reject).',
    }[applied]
    return Finding(
        'dmarc',
        'DMARC',
        GOOD,
        f'{domain} publishes DMARC with p={applied}{_passes(alignment)}.',
        meaning,
        '',
        details,
    )


def _passes(alignment: Alignment) -> str:
    passing = ' and '.join(name for name, ok in (('SPF', alignment.spf), ('DKIM', alignment.dkim)) if ok)
    return f', and {passing} can pass for it' if passing else ''


def _unknown_action(facts: DomainFacts) -> str:
    """Unknown because a lookup failed (try again), or because the sending servers cannot be known from here."""
    if facts.setup.protocol is Protocol.HTTP:
        return f'Which servers an HTTP email service sends from is not known here. {PASTE}'
    if facts.setup.own_server and facts.server_addresses == ():
        return f'Your server’s public address cannot be seen from here. {PASTE}'
    return AGAIN


def _verb(policy: str) -> str:
    return 'reject' if policy == 'reject' else 'put in spam' if policy == 'quarantine' else 'accept'


def _rewrites_from(facts: DomainFacts) -> bool:
    """Sent through another party's account (free-mail or Gmail rewriting): SPF and DKIM are for their domain."""
    finding = _from_domain(facts)
    return bool(finding) and finding[0].status is not GOOD


def _alignment(facts: DomainFacts) -> Alignment:
    if facts.setup.from_provider is not None and not _rewrites_from(facts):
        return Alignment(True, True)  # a free-mail provider's own address, sent through that provider
    if _rewrites_from(facts):
        return Alignment(False, False)
    dkim: bool | None = any(key.usable for key in facts.dkim_found)
    if not dkim and facts.dkim_unavailable:
        dkim = None
    return Alignment(_spf_passes(facts), dkim)


def _spf_passes(facts: DomainFacts) -> bool | None:
    records = facts.spf_records
    if isinstance(records, Unknown):
        return None
    if len(records) != 1:
        return False
    record, tree = spf.parse(records[0]), facts.spf_tree or spf.SpfTree()
    if record.errors or tree.problems or tree.lookups > spf.LOOKUP_LIMIT:
        return False
    finding = _spf_authorises(facts)
    if finding is None:
        return None  # an HTTP service, or a server whose public address cannot be seen from here
    return None if finding.status is UNKNOWN else finding.status is GOOD


# --- reverse DNS ------------------------------------------------------------------------------------------------


def _reverse_dns(facts: DomainFacts) -> Finding:
    setup, server = facts.setup, facts.server_addresses
    title = 'Reverse DNS of your server'
    meaning = (
        'Since 2024 Gmail and Yahoo require every server that sends to them to have reverse DNS: its address must '
        'lead back to a name, and that name to the same address. Servers without it are refused or sent to spam.'
    )

    def unknown(found: Unknown) -> Finding:
        return Finding('reverse-dns', title, UNKNOWN, f'Could not check: {found.reason}.', meaning, AGAIN)

    if isinstance(server, Unknown):
        return unknown(server)
    if not server:
        return Finding(
            'reverse-dns',
            title,
            UNKNOWN,
            f'Could not check: {setup.smtp_host} has a private address, so the address it sends from to the internet '
            'cannot be seen from here.',
            meaning,
            'Ask whoever runs the server to check that its public address has reverse DNS.',
        )
    details: dict[str, str] = {}
    for address in server:
        names = facts.reverse.get(address, ())
        if isinstance(names, Unknown):
            return unknown(names)
        if not names:
            return Finding(
                'reverse-dns',
                title,
                PROBLEM,
                f'Your server’s address {address} has no reverse DNS name.',
                meaning,
                f'Ask whoever gives the server its address (hosting provider or internet provider) to set the reverse '
                f'DNS (PTR) of {address} to {setup.smtp_host}.',
            )
        forward = facts.forward.get(names[0], ())
        if isinstance(forward, Unknown):
            return unknown(forward)
        details[address] = names[0]
        if address not in forward:
            return Finding(
                'reverse-dns',
                title,
                PROBLEM,
                f'The reverse DNS name of {address} is {names[0]}, but {names[0]} does not lead back to {address}.',
                meaning,
                f'Point {names[0]} at {address} (an A or AAAA record), or have the reverse DNS of {address} set to a '
                'name that does.',
                details,
            )
    name = details[server[0]]
    if setup.server_name and setup.server_name.lower().rstrip('.') != name:
        return Finding(
            'reverse-dns',
            title,
            WARN,
            f'Your server introduces itself as {setup.server_name}, but its reverse DNS name is {name}.',
            'Receivers compare the name a server introduces itself with (EHLO) to its reverse DNS; a mismatch looks '
            'like a badly set up or hijacked server.',
            f'Set the server’s own host name to {name} (Postfix: myhostname), or change the reverse DNS to match.',
            details,
        )
    checked = ' and matches the name it introduces itself with' if setup.server_name else ''
    return Finding(
        'reverse-dns',
        title,
        GOOD,
        f'Your server’s reverse DNS ({name}) leads back to its address{checked}.',
        meaning,
        ''
        if setup.server_name
        else 'Run the settings test to compare it with the name the server introduces itself with as well.',
        details,
    )


# --- the mailbox providers' sender rules ----------------------------------------------------------------------


def _sender_rules(facts: DomainFacts, alignment: Alignment, findings: list[Finding]) -> Finding:
    title = 'Gmail, Yahoo and Outlook.com sender rules'
    setup = facts.setup
    if setup.from_provider is not None and not _rewrites_from(facts):
        return Finding(
            'sender-rules',
            title,
            GOOD,
            f'{setup.from_provider.name} meets the mailbox providers’ rules for its own addresses.',
            'Gmail and Yahoo (since February 2024) and Outlook.com (since May 2025) check how senders authenticate.',
        )
    reverse = next((f for f in findings if f.check == 'reverse-dns'), None)
    everyone = {
        'SPF or DKIM passes for your domain': alignment.either,
        'Encrypted connection (TLS)': setup.encrypted,
        'Reverse DNS of the sending server': None
        if reverse and reverse.status is UNKNOWN
        else reverse is None or reverse.status is not PROBLEM,
    }
    dmarc = next((f for f in findings if f.check == 'dmarc'), None)
    bulk = {
        'SPF passes for your domain': alignment.spf,
        'DKIM passes for your domain': alignment.dkim,
        'DMARC published (p=none is enough)': None
        if dmarc is None or dmarc.status is UNKNOWN
        else dmarc.status is GOOD,
    }
    details = {
        **{f'All senders: {rule}': _mark(ok) for rule, ok in everyone.items()},
        **{f'Over 5,000 a day: {rule}': _mark(ok) for rule, ok in bulk.items()},
    }
    meaning = (
        'Gmail and Yahoo (since February 2024) require every sender to pass SPF or DKIM, to send over TLS and to '
        'have reverse DNS; senders of more than 5,000 emails a day to them, and to Outlook.com since 5 May 2025, also '
        'need SPF and DKIM both passing and a DMARC record.'
    )
    missing = [rule for rule, ok in everyone.items() if ok is False]
    if missing:
        return Finding(
            'sender-rules',
            title,
            PROBLEM,
            f'Your emails miss the rules for all senders: {"; ".join(missing)}.',
            meaning + ' Emails that miss them are refused or land in spam.',
            'Fix the problems above; each says how.',
            details,
        )
    if any(ok is None for ok in everyone.values()):
        return Finding(
            'sender-rules',
            title,
            UNKNOWN,
            'Could not tell whether your emails meet these rules.',
            meaning,
            _unknown_action(facts),
            details,
        )
    missing_bulk = [rule for rule, ok in bulk.items() if ok is not True]
    if missing_bulk:
        return Finding(
            'sender-rules',
            title,
            WARN,
            'Your emails meet the rules for all senders, but not yet those for senders of more than 5,000 a day: '
            f'{"; ".join(missing_bulk)}.',
            meaning + ' Invoices rarely reach that number, but meeting them helps every email reach the inbox.',
            'Fix the points marked above when you can.',
            details,
        )
    return Finding(
        'sender-rules',
        title,
        GOOD,
        'Your emails meet the rules for all senders and for senders of more than 5,000 a day.',
        meaning,
        '',
        details,
    )


def _mark(ok: bool | None) -> str:
    return 'yes' if ok else 'unknown' if ok is None else 'no'
