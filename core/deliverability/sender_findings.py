"""The From address against the server and account it is sent through: free-mail, Gmail rewriting, Send As."""

from __future__ import annotations

from core.deliverability.check import DomainFacts, Unknown
from core.deliverability.dmarc import DmarcPolicy
from core.deliverability.findings import Finding, FindingStatus

GOOD, WARN, PROBLEM = FindingStatus.GOOD, FindingStatus.WARN, FindingStatus.PROBLEM
CONSUMER_KEYS = frozenset({'gmail', 'yahoo', 'outlook', 'aol', 'gmx', 'icloud'})
GOOGLE_KEYS = frozenset({'gmail', 'google-workspace'})
MICROSOFT_KEYS = frozenset({'microsoft365', 'outlook'})


def from_domain_findings(facts: DomainFacts) -> list[Finding]:
    """One finding; none for an HTTP service with a company address (its servers are not known here)."""
    setup, domain = facts.setup, facts.domain
    provider, from_provider = setup.provider, setup.from_provider
    title = 'From address and mail service'

    def said(status: FindingStatus, message: str, meaning: str, action: str = '') -> list[Finding]:
        return [Finding('from-domain', title, status, message, meaning, action)]

    policy = policy_of(facts)
    enforced = policy is not None and policy.applies_to(domain) in ('quarantine', 'reject')
    consequence = (
        f'{domain} itself tells receivers to {verb(policy.applies_to(domain))} such emails (DMARC '
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


def policy_of(facts: DomainFacts) -> DmarcPolicy | None:
    found = facts.dmarc_found
    return None if isinstance(found, Unknown) else found[0]


def verb(policy: str) -> str:
    return 'reject' if policy == 'reject' else 'put in spam' if policy == 'quarantine' else 'accept'


def rewrites_from(facts: DomainFacts) -> bool:
    """Sent through another party's account (free-mail or Gmail rewriting): SPF and DKIM are for their domain."""
    finding = from_domain_findings(facts)
    return bool(finding) and finding[0].status is not GOOD
