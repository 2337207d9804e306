"""The findings, in plain words, from the facts `check.py` gathered. No DNS here: every rule is a pure function."""

from __future__ import annotations

from dataclasses import dataclass

from core.deliverability import spf
from core.deliverability.check import DomainFacts, Unknown
from core.deliverability.dkim_keys import MIN_RSA_BITS
from core.deliverability.findings import TRY_AGAIN, Finding, FindingStatus
from core.deliverability.sender_findings import from_domain_findings, rewrites_from, verb
from core.deliverability.senders import SENDER_PROFILES
from core.deliverability.spf_findings import spf_allows_sender, spf_findings
from core.settings import Protocol

GOOD, WARN, PROBLEM, UNKNOWN = FindingStatus.GOOD, FindingStatus.WARN, FindingStatus.PROBLEM, FindingStatus.UNKNOWN
PASTE = 'Send a test email and paste its headers below to see what the receiver decided.'
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
    findings = from_domain_findings(facts)
    if facts.setup.from_provider is None:  # a free-mail provider's own DNS is not the user's to change
        findings += [*spf_findings(facts), _dkim(facts), _dmarc(facts, alignment)]
    if facts.setup.own_server:
        findings.append(_reverse_dns(facts))
    findings.append(_sender_rules(facts, alignment, findings))
    return tuple(findings)


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
            TRY_AGAIN,
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


def _dmarc(facts: DomainFacts, alignment: Alignment) -> Finding:
    domain, found = facts.domain, facts.dmarc_found
    if isinstance(found, Unknown):
        return Finding('dmarc', 'DMARC', UNKNOWN, f'Could not check DMARC: {found.reason}.', DMARC_MEANING, TRY_AGAIN)
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
                f'Your own domain tells receivers to {verb(applied)} these emails (DMARC p={applied}), and neither '
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
    return TRY_AGAIN


def _alignment(facts: DomainFacts) -> Alignment:
    if facts.setup.from_provider is not None and not rewrites_from(facts):
        return Alignment(True, True)  # a free-mail provider's own address, sent through that provider
    if rewrites_from(facts):
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
    finding = spf_allows_sender(facts)
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
        return Finding('reverse-dns', title, UNKNOWN, f'Could not check: {found.reason}.', meaning, TRY_AGAIN)

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
    if setup.from_provider is not None and not rewrites_from(facts):
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
