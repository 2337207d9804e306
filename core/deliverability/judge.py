"""The findings, in plain words, from the facts `check.py` gathered. No DNS here: every rule is a pure function."""

from __future__ import annotations

from dataclasses import dataclass

from core.deliverability import spf
from core.deliverability.dkim_keys import MIN_RSA_BITS
from core.deliverability.facts import DomainFacts, Unknown
from core.deliverability.findings import TRY_AGAIN, Finding, FindingStatus
from core.deliverability.sender_findings import from_domain_findings, rewrites_from
from core.deliverability.senders import SENDER_PROFILES
from core.deliverability.spf_findings import spf_allows_sender, spf_findings
from core.i18n import N_, _
from core.i18n.phrase import Phrase, phrase
from core.settings import Protocol

GOOD, WARN, PROBLEM, UNKNOWN = FindingStatus.GOOD, FindingStatus.WARN, FindingStatus.PROBLEM, FindingStatus.UNKNOWN
DKIM_MEANING = N_(
    'DKIM is a signature on each email that receivers check against a public key in your DNS. Without a key for your '
    'domain, your mail service signs with its own domain instead, and your domain cannot vouch for the email itself.'
)
DMARC_MEANING = N_(
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
                _('From address'),
                PROBLEM,
                _('There is no valid sender address to check.'),
                _('The check looks at the domain of the address your emails come from.'),
                _('Enter your email address in Email settings, then check again.'),
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
    details = {N_('Names looked up'): ', '.join(f'{s}._domainkey.{domain}' for s in facts.dkim_selectors)}
    usable = [key for key in facts.dkim_found if key.usable]
    if usable:
        key = usable[0]
        size = (
            _('{algorithm} {bits} bits').format(algorithm=key.algorithm.upper(), bits=key.bits)
            if key.bits
            else key.algorithm
        )
        return Finding(
            'dkim',
            'DKIM',
            GOOD,
            _('{domain} publishes a DKIM key under the name "{selector}" ({size}).').format(
                domain=domain, selector=key.selector, size=size
            ),
            _('Receivers can check the signature on your emails against this key.'),
            '',
            details,
        )
    setup_hint = f' ({_(profile.dkim_setup)})' if profile and profile.dkim_setup else ''
    if facts.dkim_found:
        key = facts.dkim_found[0]
        if key.revoked:
            problem = _('The DKIM key under "{selector}" has been withdrawn (its p= value is empty).')
        elif key.problem:
            problem = _('The DKIM key under "{selector}" cannot be used: {problem}.')
        else:
            problem = _('The DKIM key under "{selector}" is only {bits} bits; receivers need at least {minimum}.')
        return Finding(
            'dkim',
            'DKIM',
            PROBLEM,
            problem.format(selector=key.selector, problem=key.problem, bits=key.bits, minimum=MIN_RSA_BITS),
            _('Receivers treat a signature made with such a key as no signature at all.'),
            _('Create a new 2048-bit DKIM key with your mail service{setup} and publish it in your DNS.').format(
                setup=setup_hint
            ),
            details,
        )
    if facts.dkim_unavailable:
        return Finding(
            'dkim',
            'DKIM',
            UNKNOWN,
            _(
                'Could not check DKIM: the DNS did not answer when asked for the keys of {domain} (names looked up: '
                '{names}).'
            ).format(domain=domain, names=', '.join(facts.dkim_unavailable)),
            _(DKIM_MEANING),
            _(TRY_AGAIN),
            details,
        )
    if profile is not None and provider is not None and facts.setup.from_provider is None:
        return Finding(
            'dkim',
            'DKIM',
            WARN,
            _('{domain} publishes no DKIM key for {provider} (looked under {selectors}).').format(
                domain=domain, provider=provider.name, selectors=selectors
            ),
            _(DKIM_MEANING),
            _(
                'Turn on DKIM for {domain} at {provider}{setup}, and publish the record it gives you in your DNS.'
            ).format(domain=domain, provider=provider.name, setup=setup_hint),
            details,
        )
    return Finding(
        'dkim',
        'DKIM',
        WARN,
        _('No DKIM key found for {domain} under the usual names ({selectors}).').format(
            domain=domain, selectors=selectors
        ),
        _(DKIM_MEANING)
        + ' '
        + _('Your server may use another name: paste the headers of a test email below to see it.'),
        _('Turn on DKIM signing on your mail server and publish its public key in your DNS.'),
        details,
    )


# --- DMARC ------------------------------------------------------------------------------------------------------


def _dmarc(facts: DomainFacts, alignment: Alignment) -> Finding:
    domain, found = facts.domain, facts.dmarc_found
    if isinstance(found, Unknown):
        return Finding(
            'dmarc',
            'DMARC',
            UNKNOWN,
            _('Could not check DMARC: {reason}.').format(reason=found.reason),
            _(DMARC_MEANING),
            _(TRY_AGAIN),
        )
    policy, count = found
    if policy is None:
        return Finding(
            'dmarc',
            'DMARC',
            WARN,
            _('{domain} publishes no DMARC record.').format(domain=domain),
            _(DMARC_MEANING)
            + ' '
            + _(
                'Gmail, Yahoo and Outlook.com require one from senders of more than 5,000 emails a day, and it '
                'protects your domain from people sending in its name.'
            ),
            _('Add a TXT record at _dmarc.{domain} with the value: v=DMARC1; p=none; rua=mailto:{address}').format(
                domain=domain, address=facts.setup.from_address
            ),
        )
    details = {N_('Record'): policy.text, N_('Found at'): f'_dmarc.{policy.domain}'}
    if count > 1 or not policy.policy:
        what = (
            _('_dmarc.{domain} has {count} DMARC records.')
            if count > 1
            else _('_dmarc.{domain} has a DMARC record without a valid p= policy.')
        )
        return Finding(
            'dmarc',
            'DMARC',
            PROBLEM,
            what.format(domain=policy.domain, count=count),
            _('Receivers ignore DMARC records they cannot read, as if there were none.'),
            _('Keep exactly one record there, starting with v=DMARC1; p=none (or quarantine, or reject).'),
            details,
        )
    applied = policy.applies_to(domain)
    if alignment.either is False:
        if applied in ('quarantine', 'reject'):
            told = (
                _(
                    'Your own domain tells receivers to reject these emails (DMARC p=reject), and neither SPF nor '
                    'DKIM can pass for {domain} with these settings.'
                )
                if applied == 'reject'
                else _(
                    'Your own domain tells receivers to put in spam these emails (DMARC p=quarantine), and neither '
                    'SPF nor DKIM can pass for {domain} with these settings.'
                )
            )
            return Finding(
                'dmarc',
                'DMARC',
                PROBLEM,
                told.format(domain=domain),
                _(DMARC_MEANING),
                _(
                    'Fix SPF or DKIM above first. Until then, you can set p=none in the DMARC record so that your '
                    'emails are not refused.'
                ),
                details,
            )
        return Finding(
            'dmarc',
            'DMARC',
            WARN,
            _('DMARC is p=none, and neither SPF nor DKIM can pass for {domain} with these settings.').format(
                domain=domain
            ),
            _(DMARC_MEANING) + ' ' + _('With p=none receivers still deliver, but they count the failures against you.'),
            _('Fix SPF or DKIM above.'),
            details,
        )
    if alignment.either is None and applied in ('quarantine', 'reject'):
        return Finding(
            'dmarc',
            'DMARC',
            UNKNOWN,
            _('DMARC is p={policy}, and it is not known whether SPF or DKIM can pass for {domain}.').format(
                policy=applied, domain=domain
            ),
            _(DMARC_MEANING),
            _unknown_action(facts),
            details,
        )
    meaning = {
        'none': N_('Receivers only report failures to you (p=none); they do not refuse or junk the emails.'),
        'quarantine': N_('Emails in your name that fail SPF and DKIM go to spam (p=quarantine).'),
        'reject': N_('Emails in your name that fail SPF and DKIM are refused (p=reject).'),
    }[applied]
    passing = [name for name, ok in (('SPF', alignment.spf), ('DKIM', alignment.dkim)) if ok]
    if len(passing) == 2:
        published = _('{domain} publishes DMARC with p={policy}, and SPF and DKIM can pass for it.')
    elif passing:
        published = _('{domain} publishes DMARC with p={policy}, and {method} can pass for it.')
    else:
        published = _('{domain} publishes DMARC with p={policy}.')
    return Finding(
        'dmarc',
        'DMARC',
        GOOD,
        published.format(domain=domain, policy=applied, method=''.join(passing)),
        _(meaning),
        '',
        details,
    )


def _unknown_action(facts: DomainFacts) -> str:
    """Unknown because a lookup failed (try again), or because the sending servers cannot be known from here."""
    if facts.setup.protocol is Protocol.HTTP:
        return _(
            'Which servers an HTTP email service sends from is not known here. Send a test email and paste its '
            'headers below to see what the receiver decided.'
        )
    if facts.setup.own_server and facts.server_addresses == ():
        return _(
            'Your server’s public address cannot be seen from here. Send a test email and paste its headers below to '
            'see what the receiver decided.'
        )
    return _(TRY_AGAIN)


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
    title = _('Reverse DNS of your server')
    meaning = _(
        'Since 2024 Gmail and Yahoo require every server that sends to them to have reverse DNS: its address must '
        'lead back to a name, and that name to the same address. Servers without it are refused or sent to spam.'
    )

    def unknown(found: Unknown) -> Finding:
        return Finding(
            'reverse-dns',
            title,
            UNKNOWN,
            _('Could not check: {reason}.').format(reason=found.reason),
            meaning,
            _(TRY_AGAIN),
        )

    if isinstance(server, Unknown):
        return unknown(server)
    if not server:
        return Finding(
            'reverse-dns',
            title,
            UNKNOWN,
            _(
                'Could not check: {host} has a private address, so the address it sends from to the internet cannot '
                'be seen from here.'
            ).format(host=setup.smtp_host),
            meaning,
            _('Ask whoever runs the server to check that its public address has reverse DNS.'),
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
                _('Your server’s address {address} has no reverse DNS name.').format(address=address),
                meaning,
                _(
                    'Ask whoever gives the server its address (hosting provider or internet provider) to set the '
                    'reverse DNS (PTR) of {address} to {host}.'
                ).format(address=address, host=setup.smtp_host),
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
                _('The reverse DNS name of {address} is {name}, but {name} does not lead back to {address}.').format(
                    address=address, name=names[0]
                ),
                meaning,
                _(
                    'Point {name} at {address} (an A or AAAA record), or have the reverse DNS of {address} set to a '
                    'name that does.'
                ).format(address=address, name=names[0]),
                details,
            )
    name = details[server[0]]
    if setup.server_name and setup.server_name.lower().rstrip('.') != name:
        return Finding(
            'reverse-dns',
            title,
            WARN,
            _('Your server introduces itself as {server_name}, but its reverse DNS name is {name}.').format(
                server_name=setup.server_name, name=name
            ),
            _(
                'Receivers compare the name a server introduces itself with (EHLO) to its reverse DNS; a mismatch '
                'looks like a badly set up or hijacked server.'
            ),
            _(
                'Set the server’s own host name to {name} (Postfix: myhostname), or change the reverse DNS to match.'
            ).format(name=name),
            details,
        )
    if setup.server_name:
        leads_back = _(
            'Your server’s reverse DNS ({name}) leads back to its address and matches the name it introduces itself '
            'with.'
        )
    else:
        leads_back = _('Your server’s reverse DNS ({name}) leads back to its address.')
    return Finding(
        'reverse-dns',
        title,
        GOOD,
        leads_back.format(name=name),
        meaning,
        ''
        if setup.server_name
        else _('Run the settings test to compare it with the name the server introduces itself with as well.'),
        details,
    )


# --- the mailbox providers' sender rules ----------------------------------------------------------------------

RULE_NAMES = {
    'either': N_('SPF or DKIM passes for your domain'),
    'tls': N_('Encrypted connection (TLS)'),
    'reverse-dns': N_('Reverse DNS of the sending server'),
    'spf': N_('SPF passes for your domain'),
    'dkim': N_('DKIM passes for your domain'),
    'dmarc': N_('DMARC published (p=none is enough)'),
}
"""The rules as the finding names them (marked here, worded where the finding is made)."""
MARKS = {True: N_('yes'), False: N_('no'), None: N_('unknown')}


def _sender_rules(facts: DomainFacts, alignment: Alignment, findings: list[Finding]) -> Finding:
    title = _('Gmail, Yahoo and Outlook.com sender rules')
    setup = facts.setup
    if setup.from_provider is not None and not rewrites_from(facts):
        return Finding(
            'sender-rules',
            title,
            GOOD,
            _('{provider} meets the mailbox providers’ rules for its own addresses.').format(
                provider=setup.from_provider.name
            ),
            _('Gmail and Yahoo (since February 2024) and Outlook.com (since May 2025) check how senders authenticate.'),
        )
    reverse = next((f for f in findings if f.check == 'reverse-dns'), None)
    everyone = {
        'either': alignment.either,
        'tls': setup.encrypted,
        'reverse-dns': None
        if reverse and reverse.status is UNKNOWN
        else reverse is None or reverse.status is not PROBLEM,
    }
    dmarc = next((f for f in findings if f.check == 'dmarc'), None)
    bulk = {
        'spf': alignment.spf,
        'dkim': alignment.dkim,
        'dmarc': None if dmarc is None or dmarc.status is UNKNOWN else dmarc.status is GOOD,
    }
    rows = [(phrase('All senders: {rule}', rule=Phrase(RULE_NAMES[rule])), ok) for rule, ok in everyone.items()]
    rows += [(phrase('Over 5,000 a day: {rule}', rule=Phrase(RULE_NAMES[rule])), ok) for rule, ok in bulk.items()]
    details = {label.english(): _(MARKS[ok]) for label, ok in rows}
    labels = {label.english(): label for label, _ok in rows}
    meaning = _(
        'Gmail and Yahoo (since February 2024) require every sender to pass SPF or DKIM, to send over TLS and to '
        'have reverse DNS; senders of more than 5,000 emails a day to them, and to Outlook.com since 5 May 2025, also '
        'need SPF and DKIM both passing and a DMARC record.'
    )
    missing = [_(RULE_NAMES[rule]) for rule, ok in everyone.items() if ok is False]
    if missing:
        return Finding(
            'sender-rules',
            title,
            PROBLEM,
            _('Your emails miss the rules for all senders: {rules}.').format(rules='; '.join(missing)),
            meaning + ' ' + _('Emails that miss them are refused or land in spam.'),
            _('Fix the problems above; each says how.'),
            details,
            labels,
        )
    if any(ok is None for ok in everyone.values()):
        return Finding(
            'sender-rules',
            title,
            UNKNOWN,
            _('Could not tell whether your emails meet these rules.'),
            meaning,
            _unknown_action(facts),
            details,
            labels,
        )
    missing_bulk = [_(RULE_NAMES[rule]) for rule, ok in bulk.items() if ok is not True]
    if missing_bulk:
        return Finding(
            'sender-rules',
            title,
            WARN,
            _(
                'Your emails meet the rules for all senders, but not yet those for senders of more than 5,000 a day: '
                '{rules}.'
            ).format(rules='; '.join(missing_bulk)),
            meaning + ' ' + _('Invoices rarely reach that number, but meeting them helps every email reach the inbox.'),
            _('Fix the points marked above when you can.'),
            details,
            labels,
        )
    return Finding(
        'sender-rules',
        title,
        GOOD,
        _('Your emails meet the rules for all senders and for senders of more than 5,000 a day.'),
        meaning,
        '',
        details,
        labels,
    )
