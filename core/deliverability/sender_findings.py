"""The From address against the server and account it is sent through: free-mail, Gmail rewriting, Send As."""

from __future__ import annotations

from core.deliverability.dmarc import DmarcPolicy
from core.deliverability.facts import DomainFacts, Unknown
from core.deliverability.findings import Finding, FindingStatus
from core.i18n import _

GOOD, WARN, PROBLEM = FindingStatus.GOOD, FindingStatus.WARN, FindingStatus.PROBLEM
CONSUMER_KEYS = frozenset({'gmail', 'yahoo', 'outlook', 'aol', 'gmx', 'icloud'})
GOOGLE_KEYS = frozenset({'gmail', 'google-workspace'})
MICROSOFT_KEYS = frozenset({'microsoft365', 'outlook'})


def from_domain_findings(facts: DomainFacts) -> list[Finding]:
    """One finding; none for an HTTP service with a company address (its servers are not known here)."""
    setup, domain = facts.setup, facts.domain
    provider, from_provider = setup.provider, setup.from_provider
    title = _('From address and mail service')

    def said(status: FindingStatus, message: str, meaning: str, action: str = '') -> list[Finding]:
        return [Finding('from-domain', title, status, message, meaning, action)]

    policy = policy_of(facts)
    applied = policy.applies_to(domain) if policy else ''
    enforced = applied in ('quarantine', 'reject')
    if applied == 'reject':
        consequence = _('{domain} itself tells receivers to reject such emails (DMARC p=reject).').format(domain=domain)
    elif applied == 'quarantine':
        consequence = _('{domain} itself tells receivers to put in spam such emails (DMARC p=quarantine).').format(
            domain=domain
        )
    else:
        consequence = _('Receivers are likely to put them in spam.')
    address, account = setup.from_address, setup.account
    if from_provider is not None:
        sending_key = provider.key if provider else ''
        if sending_key == from_provider.key or {sending_key, from_provider.key} <= GOOGLE_KEYS:
            return said(
                GOOD,
                _('You send as {address} through {provider}’s own server.').format(
                    address=address, provider=from_provider.name
                ),
                _(
                    '{provider} signs these emails and vouches for them. For invoices, an address at your own domain '
                    'looks more trustworthy to customers and stays yours if you change provider.'
                ).format(provider=from_provider.name),
            )
        through = setup.smtp_host or setup.http_server or _('another service')
        return said(
            PROBLEM if enforced else WARN,
            _('Your From address is at {domain} ({provider}), but the emails go out through {server}.').format(
                domain=domain, provider=from_provider.name, server=through
            ),
            _('Receivers ask {domain} whether {server} may send its email, and it may not. {consequence}').format(
                domain=domain, server=through, consequence=consequence
            ),
            _(
                'Send through {provider}’s own server ({host}) with this address, or use an address at your own '
                'domain with {server}.'
            ).format(provider=from_provider.name, host=from_provider.host, server=through),
        )
    if provider is None:
        if not setup.own_server:
            return []  # an HTTP service: which servers it sends from is not known here
        return said(
            GOOD,
            _('You send as {address} through your own server {host}.').format(address=address, host=setup.smtp_host),
            _(
                'Your server hands the emails to the receivers itself, so SPF must list it and its reverse DNS must '
                'be right: both are checked below.'
            ),
        )
    signed_in = account.strip().lower()
    account_is_address = '@' in signed_in
    sender = address.strip().lower()
    if provider.key in GOOGLE_KEYS and (
        not account_is_address or signed_in.endswith(('@gmail.com', '@googlemail.com'))
    ):
        return said(
            PROBLEM if enforced else WARN,
            _('You sign in to Gmail as {account} but send as {address}.').format(account=account, address=address),
            _(
                'Gmail replaces the From address with your Gmail address unless this address is added under Gmail '
                'Settings → Accounts → "Send mail as". Even then Gmail signs the email for gmail.com, not {domain}, '
                'so SPF and DKIM cannot pass for {domain}. {consequence}'
            ).format(domain=domain, consequence=consequence),
            _(
                'Use an account at {domain} (Google Workspace or your domain’s own mail service) to send as '
                '{address}, or send as your Gmail address.'
            ).format(domain=domain, address=address),
        )
    if provider.key in CONSUMER_KEYS:
        return said(
            PROBLEM if enforced else WARN,
            _('Your address at {domain} is sent through a personal {provider} account.').format(
                domain=domain, provider=provider.name
            ),
            _(
                '{provider} signs and sends the email as its own, so SPF and DKIM cannot pass for {domain}. '
                '{consequence}'
            ).format(provider=provider.name, domain=domain, consequence=consequence),
            _(
                'Send through the mail service that hosts {domain} (its SMTP server), with an account at {domain}.'
            ).format(domain=domain),
        )
    if account_is_address and signed_in != sender:
        if provider.key in MICROSOFT_KEYS:
            return said(
                WARN,
                _('You sign in as {account} but send as {address}.').format(account=account, address=address),
                _(
                    'Microsoft sends as {address} only if the mailbox {account} has "Send As" permission for it; '
                    'otherwise it refuses the email (SendAsDenied, 5.7.60).'
                ).format(address=address, account=account),
                _(
                    'Ask your administrator to give {account} "Send As" permission for {address} (Exchange admin '
                    'center → Recipients → Mailboxes → Delegation), or sign in as that address.'
                ).format(account=account, address=address),
            )
        return said(
            WARN,
            _('You sign in as {account} but send as {address}.').format(account=account, address=address),
            _(
                '{provider} sends as another address only if it is set up as an alias of your account; otherwise it '
                'replaces the From address or refuses the email.'
            ).format(provider=provider.name),
            _(
                'Add {address} as an alias ("Send mail as") of {account} at {provider}, or sign in as that address.'
            ).format(address=address, account=account, provider=provider.name),
        )
    return said(
        GOOD,
        _('You send as {address} through {provider} with the same account.').format(
            address=address, provider=provider.name
        ),
        _('The From address belongs to the account you sign in with, so it is sent unchanged.'),
    )


def policy_of(facts: DomainFacts) -> DmarcPolicy | None:
    found = facts.dmarc_found
    return None if isinstance(found, Unknown) else found[0]


def rewrites_from(facts: DomainFacts) -> bool:
    """Sent through another party's account (free-mail or Gmail rewriting): SPF and DKIM are for their domain."""
    finding = from_domain_findings(facts)
    return bool(finding) and finding[0].status is not GOOD
