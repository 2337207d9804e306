"""Known email providers: their submission servers, sign-in steps and limits, recognised from a host or an address.

Everything here is a table so a provider change is a data edit. Nothing touches the network: custom domains hosted
by a provider (which only an MX lookup could reveal) are recognised only through the SMTP host the user typed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from types import MappingProxyType

from core.i18n import N_, _, format_count, ngettext
from core.settings import SECURITY_LABELS, Security, suggest_host_fix


@dataclass(frozen=True)
class SendingLimits:
    """A sending account's limits; None means the provider sets none we know of."""

    per_minute: int | None
    per_day: int | None  # recipients (To, Cc and Bcc each count), in any 24 hours
    source: str = ''  # whose numbers these are, as the page names them (marked for translation, shown with _())

    def describe(self) -> str:
        """The limits in the current language, with numbers as its locale writes them (2,000 or 2.000)."""
        parts = []
        if self.per_minute:
            words = ngettext('{count} email a minute', '{count} emails a minute', self.per_minute)
            parts.append(words.format(count=format_count(self.per_minute)))
        if self.per_day:
            words = ngettext('{count} recipient a day', '{count} recipients a day', self.per_day)
            parts.append(words.format(count=format_count(self.per_day)))
        if len(parts) == 2:
            return _('{first} and {second}').format(first=parts[0], second=parts[1])
        return parts[0] if parts else _('no limit')


@dataclass(frozen=True)
class Provider:
    """What the provider card shows and what **Use these settings** fills in."""

    key: str
    name: str
    host: str
    port: int
    security: Security
    username_hint: str
    steps: tuple[str, ...]
    notes: tuple[str, ...]
    needs_app_password: bool
    help_url: str = ''


ZOHO_REGIONS: tuple[str, ...] = ('com', 'eu', 'in', 'com.au', 'jp', 'ca', 'sa', 'com.cn')

ALL_PROVIDERS: tuple[Provider, ...] = (
    Provider(
        key='gmail',
        name='Gmail',
        host='smtp.gmail.com',
        port=587,
        security=Security.STARTTLS,
        username_hint=N_('Your full Gmail address'),
        steps=(
            N_('Turn on 2-step verification in your Google account settings.'),
            N_(
                'Create an app password for Mailroom (Google account → Security → App passwords, '
                'or https://myaccount.google.com/apppasswords).'
            ),
            N_('Use this app password instead of your normal Gmail password: type the 16 letters without spaces.'),
            N_('Set the SMTP server to smtp.gmail.com and the port to 587 with STARTTLS.'),
        ),
        notes=(
            N_('Google requires app passwords to protect your main account; your normal password is refused.'),
            N_(
                'No "App passwords" page? 2-step verification is off, or the account uses only security keys '
                '(Advanced Protection).'
            ),
            N_('Changing your Google password cancels every app password: create a new one afterwards.'),
            N_('A personal Gmail account sends to roughly 500 recipients a day.'),
        ),
        needs_app_password=True,
        help_url='https://support.google.com/accounts/answer/185833',
    ),
    Provider(
        key='google-workspace',
        name='Google Workspace',
        host='smtp.gmail.com',
        port=587,
        security=Security.STARTTLS,
        username_hint=N_('Your full work email address'),
        steps=(
            N_('Use your full work email address as the username.'),
            N_(
                'Turn on 2-step verification, then create an app password for Mailroom '
                '(Google account → Security → App passwords).'
            ),
            N_('Use this app password instead of your normal password.'),
            N_('Set the SMTP server to smtp.gmail.com and the port to 587 with STARTTLS.'),
            N_(
                'Administrators can instead set up the SMTP relay service (Admin console → Apps → Google Workspace → '
                'Gmail → Routing → SMTP relay service) and use smtp-relay.gmail.com.'
            ),
        ),
        notes=(
            N_('Google no longer accepts the normal password from programs like this one; an app password is needed.'),
            N_('No "App passwords" page? Your administrator has turned app passwords off for your organisation.'),
            N_(
                'smtp-relay.gmail.com works only after an administrator has configured the SMTP relay service, '
                "and only for your organisation's addresses."
            ),
            N_('A Google Workspace account sends to roughly 2,000 recipients a day.'),
        ),
        needs_app_password=True,
        help_url='https://support.google.com/a/answer/176600',
    ),
    Provider(
        key='yahoo',
        name='Yahoo Mail',
        host='smtp.mail.yahoo.com',
        port=465,
        security=Security.SSL,
        username_hint=N_('Your full Yahoo email address'),
        steps=(
            N_('Go to Yahoo Account Security (https://login.yahoo.com/account/security).'),
            N_("Click 'Generate app password' under 'Account security'."),
            N_("Choose 'Other app' and enter Mailroom."),
            N_("Click 'Generate' to create the password."),
            N_('Copy the generated password and paste it into the Password field.'),
            N_('Use smtp.mail.yahoo.com as the SMTP server, with port 465 (SSL/TLS) or 587 (STARTTLS).'),
        ),
        notes=(N_('Yahoo refuses your normal password from other programs: only an app password works.'),),
        needs_app_password=True,
        help_url='https://login.yahoo.com/account/security',
    ),
    Provider(
        key='outlook',
        name='Outlook.com / Hotmail',
        host='smtp-mail.outlook.com',
        port=587,
        security=Security.STARTTLS,
        username_hint=N_('Your full Outlook.com, Hotmail or Live address'),
        steps=(
            N_(
                'Personal Outlook.com, Hotmail, Live and MSN accounts no longer accept a password from other programs: '
                'Microsoft removed password sign-in (basic authentication) and allows only its own sign-in (OAuth).'
            ),
            N_('An app password does not help: sending through smtp-mail.outlook.com with a password will be refused.'),
            N_(
                "Send through another email service instead: your business domain's mail service, or a provider "
                'that offers app passwords (for example Gmail, Yahoo, iCloud, Fastmail or Zoho).'
            ),
            N_('Or choose the HTTP protocol and send through an email-sending service.'),
        ),
        notes=(
            N_('Microsoft switched off password sign-in for personal accounts in other programs in September 2024.'),
            N_('The server and port are shown for reference only: sign-in with a password fails.'),
        ),
        needs_app_password=False,
        help_url='https://support.microsoft.com/en-us/office/pop-imap-and-smtp-settings-for-outlook-com-'
        'd088b986-291d-42b8-9564-9c414e2aa040',
    ),
    Provider(
        key='microsoft365',
        name='Microsoft 365',
        host='smtp.office365.com',
        port=587,
        security=Security.STARTTLS,
        username_hint=N_('Your full work email address'),
        steps=(
            N_('Use your full work email address as the username and your normal password.'),
            N_(
                'Ask your administrator to turn on Authenticated SMTP for your mailbox '
                '(Microsoft 365 admin center → Users → Active users → your name → Mail → Manage email apps).'
            ),
            N_(
                'The administrator must also allow SMTP AUTH for the organisation (Exchange admin center → Settings → '
                'Mail flow) and allow basic authentication for it: Security defaults block it.'
            ),
            N_('Set the SMTP server to smtp.office365.com and the port to 587 with STARTTLS.'),
        ),
        notes=(
            N_(
                'Microsoft turns basic SMTP authentication (signing in with a password, as here) off by default for '
                'existing tenants at the end of December 2026. An administrator can still turn it back on for now; '
                'tenants created after December 2026 start with it off, and Microsoft will announce the final removal '
                'date in the second half of 2027.'
            ),
            N_('For sending that keeps working after that, consider the HTTP protocol with an email-sending service.'),
            N_('If your account requires multi-factor sign-in, a password alone may be refused.'),
            N_('Exchange Online sends at most 30 messages a minute and 10,000 recipients a day per mailbox.'),
        ),
        needs_app_password=False,
        help_url='https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/'
        'authenticated-client-smtp-submission',
    ),
    Provider(
        key='icloud',
        name='iCloud Mail',
        host='smtp.mail.me.com',
        port=587,
        security=Security.STARTTLS,
        username_hint=N_('Your full iCloud Mail address (for example name@icloud.com)'),
        steps=(
            N_('Make sure two-factor authentication is on for your Apple Account.'),
            N_(
                'Sign in at https://account.apple.com → Sign-In and Security → App-Specific Passwords, '
                'and generate one for Mailroom.'
            ),
            N_('Use this app-specific password instead of your Apple Account password.'),
            N_('Set the SMTP server to smtp.mail.me.com and the port to 587 with STARTTLS.'),
        ),
        notes=(
            N_(
                'iCloud sends only from your iCloud addresses (icloud.com, me.com, mac.com) and custom domains '
                'set up in iCloud+.'
            ),
            N_('Changing your Apple Account password cancels every app-specific password.'),
        ),
        needs_app_password=True,
        help_url='https://support.apple.com/en-us/102525',
    ),
    Provider(
        key='zoho',
        name='Zoho Mail',
        host='smtp.zoho.com',
        port=465,
        security=Security.SSL,
        username_hint=N_('Your full Zoho email address'),
        steps=(
            N_(
                'Use the server of the data centre your account lives in: sign in to Zoho Mail and look at where the '
                'address ends (.com, .eu, .in, .com.au, .jp, .ca, .sa, .com.cn); the server ends the same way.'
            ),
            N_(
                'Personal addresses (@zohomail.com, @zoho.com) use smtp.zoho.…; addresses at your own domain use '
                'smtppro.zoho.….'
            ),
            N_(
                'If two-factor authentication is on, create an app password (Zoho Accounts → Security → App Passwords) '
                'and use it instead of your normal password.'
            ),
            N_('Use port 465 with SSL/TLS (or 587 with STARTTLS).'),
        ),
        notes=(
            N_('The server of another region refuses the sign-in as if the password were wrong.'),
            N_('The sender address must be your Zoho address or one of its aliases.'),
            N_("Zoho's free plan may not include access from other programs (IMAP, POP, SMTP): check your plan."),
        ),
        needs_app_password=False,
        help_url='https://www.zoho.com/mail/help/zoho-smtp.html',
    ),
    Provider(
        key='fastmail',
        name='Fastmail',
        host='smtp.fastmail.com',
        port=465,
        security=Security.SSL,
        username_hint=N_('Your full Fastmail address'),
        steps=(
            N_(
                'In Fastmail, open Settings → Privacy & Security and create a new app password that may send mail '
                '(SMTP).'
            ),
            N_('Use this app password instead of your normal password.'),
            N_('Set the SMTP server to smtp.fastmail.com and the port to 465 with SSL/TLS.'),
        ),
        notes=(N_('Fastmail does not accept your normal password from other programs: only an app password works.'),),
        needs_app_password=True,
        help_url='https://www.fastmail.help/hc/en-us/articles/1500000278342',
    ),
    Provider(
        key='gmx',
        name='GMX',
        host='mail.gmx.com',
        port=587,
        security=Security.STARTTLS,
        username_hint=N_('Your full GMX email address'),
        steps=(
            N_(
                'In GMX webmail open Settings → POP3 & IMAP and enable access from other programs '
                '(sending from programs stays blocked until you do).'
            ),
            N_(
                'Use your full GMX address and your GMX password (or an application-specific password if you turned on '
                'two-factor authentication).'
            ),
            N_(
                'Set the SMTP server to mail.gmx.com (gmx.com, gmx.co.uk, gmx.us …) or mail.gmx.net (gmx.net, gmx.de, '
                'gmx.at, gmx.ch), port 587 with STARTTLS.'
            ),
        ),
        notes=(N_('GMX may refuse mail sent too quickly or to many recipients at once from a new account.'),),
        needs_app_password=False,
    ),
    Provider(
        key='aol',
        name='AOL Mail',
        host='smtp.aol.com',
        port=465,
        security=Security.SSL,
        username_hint=N_('Your full AOL email address'),
        steps=(
            N_('Go to AOL Account Security (https://login.aol.com/account/security).'),
            N_("Click 'Generate app password'."),
            N_('Enter Mailroom as the app name and click Generate.'),
            N_('Copy the generated password and paste it into the Password field.'),
            N_('Set the SMTP server to smtp.aol.com and the port to 465 with SSL/TLS.'),
        ),
        notes=(N_('AOL refuses your normal password from other programs: only an app password works.'),),
        needs_app_password=True,
        help_url='https://login.aol.com/account/security',
    ),
)

_BY_KEY = MappingProxyType({provider.key: provider for provider in ALL_PROVIDERS})

# Published sending limits per account (the per-minute figures for Google are our own, well inside what it takes).
SENDING_LIMITS: MappingProxyType[str, SendingLimits] = MappingProxyType(
    {
        'gmail': SendingLimits(per_minute=20, per_day=500, source='Gmail'),
        'google-workspace': SendingLimits(per_minute=30, per_day=2_000, source='Google Workspace'),
        'microsoft365': SendingLimits(per_minute=30, per_day=10_000, source='Microsoft 365'),
        'outlook': SendingLimits(per_minute=30, per_day=300, source='Outlook.com'),
        'yahoo': SendingLimits(per_minute=20, per_day=500, source='Yahoo Mail'),
        'aol': SendingLimits(per_minute=20, per_day=500, source='AOL'),
        'icloud': SendingLimits(per_minute=20, per_day=1_000, source='iCloud Mail'),
    }
)
# For a server we do not know: slow enough for a small hosting plan, and editable on the Email settings page.
DEFAULT_SENDING_LIMITS = SendingLimits(per_minute=10, per_day=1_000, source=N_('the default for other servers'))


def sending_limits_for(host: str, email: str = '') -> SendingLimits:
    """The limits of the provider behind these settings, or the conservative default for an unknown server."""
    provider = detect_provider(host, email)
    return SENDING_LIMITS.get(provider.key, DEFAULT_SENDING_LIMITS) if provider else DEFAULT_SENDING_LIMITS


@dataclass(frozen=True)
class _HostRule:
    """One server name pattern: `*` stands for part of one label, `{tld}` for com, de, co.uk, com.au and the like."""

    pattern: str
    key: str
    inbound: bool = False  # an MX server: receives mail from other servers and takes no sign-in
    host: str = ''  # the submission host to recommend when it is not the provider's usual one
    shared_with: tuple[str, ...] = ()  # providers whose own addresses also use this server
    custom_domain_key: str = ''  # the provider to show for an address at a domain we cannot recognise
    custom_domain_host: str = ''


@dataclass(frozen=True)
class _DomainRule:
    """An email domain pattern; an empty key marks a look-alike that belongs to someone else."""

    pattern: str
    key: str
    host: str = ''


_GOOGLE_MX = ('smtp.google.com', 'aspmx.l.google.com', 'alt*.aspmx.l.google.com', 'aspmx*.googlemail.com')

_HOST_RULES: tuple[_HostRule, ...] = (
    _HostRule('smtp.gmail.com', 'gmail', custom_domain_key='google-workspace'),
    _HostRule('smtp-relay.gmail.com', 'google-workspace', host='smtp-relay.gmail.com', shared_with=('gmail',)),
    *(_HostRule(mx, 'google-workspace', inbound=True, shared_with=('gmail',)) for mx in _GOOGLE_MX),
    _HostRule('gmail-smtp-in.l.google.com', 'gmail', inbound=True, custom_domain_key='google-workspace'),
    _HostRule('alt*.gmail-smtp-in.l.google.com', 'gmail', inbound=True, custom_domain_key='google-workspace'),
    _HostRule('smtp.mail.yahoo.com', 'yahoo'),
    _HostRule('mx*.mail.yahoo.com', 'yahoo', inbound=True),
    _HostRule('mta*.am0.yahoodns.net', 'yahoo', inbound=True),
    _HostRule('mx-biz.mail.am0.yahoodns.net', 'yahoo', inbound=True),
    _HostRule('smtp-mail.outlook.com', 'outlook', custom_domain_key='microsoft365'),
    _HostRule('smtp.live.com', 'outlook', custom_domain_key='microsoft365'),
    _HostRule('*.olc.protection.outlook.com', 'outlook', inbound=True),
    _HostRule('mx*.hotmail.com', 'outlook', inbound=True),
    _HostRule('smtp.office365.com', 'microsoft365', shared_with=('outlook',)),
    _HostRule('smtp-legacy.office365.com', 'microsoft365', shared_with=('outlook',)),
    _HostRule('smtp.office365.us', 'microsoft365', host='smtp.office365.us'),
    _HostRule('smtp.partner.outlook.cn', 'microsoft365', host='smtp.partner.outlook.cn'),
    _HostRule('*.mail.protection.outlook.com', 'microsoft365', inbound=True),
    _HostRule('*.*.mx.microsoft', 'microsoft365', inbound=True),
    _HostRule('*.mail.protection.office365.us', 'microsoft365', inbound=True, host='smtp.office365.us'),
    _HostRule('smtp.mail.me.com', 'icloud'),
    _HostRule('smtp.me.com', 'icloud'),
    _HostRule('smtp.mac.com', 'icloud'),
    _HostRule('mx*.mail.icloud.com', 'icloud', inbound=True),
    *(
        rule
        for region in ZOHO_REGIONS
        for rule in (
            _HostRule(
                f'smtp.zoho.{region}',
                'zoho',
                host=f'smtp.zoho.{region}',
                custom_domain_key='zoho',
                custom_domain_host=f'smtppro.zoho.{region}',
            ),
            _HostRule(f'smtppro.zoho.{region}', 'zoho', host=f'smtppro.zoho.{region}'),
            _HostRule(
                f'mx*.zoho.{region}',
                'zoho',
                inbound=True,
                host=f'smtp.zoho.{region}',
                custom_domain_key='zoho',
                custom_domain_host=f'smtppro.zoho.{region}',
            ),
        )
    ),
    _HostRule('smtp.fastmail.com', 'fastmail'),
    _HostRule('mail.messagingengine.com', 'fastmail'),
    _HostRule('in*-smtp.messagingengine.com', 'fastmail', inbound=True),
    _HostRule('mail.gmx.com', 'gmx'),
    _HostRule('mail.gmx.net', 'gmx', host='mail.gmx.net'),
    _HostRule('mx*.gmx.com', 'gmx', inbound=True),
    _HostRule('mx*.gmx.net', 'gmx', inbound=True, host='mail.gmx.net'),
    _HostRule('mx*.emig.gmx.net', 'gmx', inbound=True, host='mail.gmx.net'),
    _HostRule('smtp.aol.com', 'aol'),
    _HostRule('mx-aol.mail.gm0.yahoodns.net', 'aol', inbound=True),
)

_FASTMAIL_DOMAINS = (
    'fastmail.com',
    'fastmail.fm',
    'fastmail.cn',
    'fastmail.co.uk',
    'fastmail.com.au',
    'fastmail.de',
    'fastmail.es',
    'fastmail.in',
    'fastmail.jp',
    'fastmail.net',
    'fastmail.nl',
    'fastmail.org',
    'fastmail.se',
    'fastmail.to',
    'fastmail.tw',
    'fastmail.us',
    'messagingengine.com',
    'sent.com',
    '123mail.org',
    'fmail.co.uk',
    'eml.cc',
    'mm.st',
    'myfastmail.com',
)

_DOMAIN_RULES: tuple[_DomainRule, ...] = (
    _DomainRule('gmail.com', 'gmail'),
    _DomainRule('googlemail.com', 'gmail'),
    _DomainRule('yahoo.co.jp', ''),  # Yahoo! JAPAN is a separate company with its own servers
    _DomainRule('yahoo.{tld}', 'yahoo'),
    _DomainRule('ymail.com', 'yahoo'),
    _DomainRule('rocketmail.com', 'yahoo'),
    _DomainRule('outlook.{tld}', 'outlook'),
    _DomainRule('hotmail.{tld}', 'outlook'),
    _DomainRule('live.{tld}', 'outlook'),
    _DomainRule('msn.com', 'outlook'),
    _DomainRule('passport.com', 'outlook'),
    _DomainRule('windowslive.com', 'outlook'),
    _DomainRule('icloud.com', 'icloud'),
    _DomainRule('me.com', 'icloud'),
    _DomainRule('mac.com', 'icloud'),
    *(
        _DomainRule(f'{brand}.{region}', 'zoho', host=f'smtp.zoho.{region}')
        for region in ZOHO_REGIONS
        for brand in ('zoho', 'zohomail')
    ),
    *(_DomainRule(domain, 'fastmail') for domain in _FASTMAIL_DOMAINS),
    *(_DomainRule(f'gmx.{tld}', 'gmx', host='mail.gmx.net') for tld in ('net', 'de', 'at', 'ch')),
    _DomainRule('gmx.{tld}', 'gmx'),
    _DomainRule('aol.{tld}', 'aol'),
    _DomainRule('aim.com', 'aol'),
)

# Domains whose servers belong to the big providers, for the stronger "Do not verify TLS certificate" warning.
_WELL_KNOWN_DOMAINS: tuple[str, ...] = (
    'gmail.com',
    'googlemail.com',
    'google.com',
    'yahoo.com',
    'yahoodns.net',
    'aol.com',
    'outlook.com',
    'office365.com',
    'office365.us',
    'outlook.cn',
    'hotmail.com',
    'live.com',
    'microsoft.com',
    'mx.microsoft',
    'me.com',
    'icloud.com',
    *(f'zoho.{region}' for region in ZOHO_REGIONS),
    'zohomail.com',
    'fastmail.com',
    'messagingengine.com',
    'gmx.com',
    'gmx.net',
)

_TLD = r'(?:[a-z]{2,3}|com?\.[a-z]{2})'
_HOST_NAME = r'[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*'


def _compile(pattern: str) -> re.Pattern[str]:
    parts = re.split(r'(\*|\{tld\})', pattern)
    tokens = {'*': r'[a-z0-9-]*', '{tld}': _TLD}
    return re.compile(''.join(tokens.get(part, re.escape(part)) for part in parts))


@functools.cache
def _compiled_hosts() -> tuple[tuple[re.Pattern[str], _HostRule], ...]:
    """Compiled on first use rather than at import: the app starts without them."""
    return tuple((_compile(rule.pattern), rule) for rule in _HOST_RULES)


@functools.cache
def _compiled_domains() -> tuple[tuple[re.Pattern[str], _DomainRule], ...]:
    return tuple((_compile(rule.pattern), rule) for rule in _DOMAIN_RULES)


def get_provider(key: str) -> Provider:
    """The provider with this key; a KeyError names a key that is not in ALL_PROVIDERS."""
    return _BY_KEY[key]


def detect_provider(host: str = '', email: str = '') -> Provider | None:
    """The provider behind an SMTP host or an email/username domain; the host wins, the address refines it."""
    rule = _host_rule(host)
    domain = _email_domain(email)
    by_email = _domain_rule(domain)
    if rule is None:
        return _provider(by_email.key, by_email.host) if by_email and by_email.key else None
    if by_email and by_email.key in rule.shared_with:
        return _provider(by_email.key, by_email.host)
    if domain and by_email is None and rule.custom_domain_key:
        return _provider(rule.custom_domain_key, rule.custom_domain_host)
    return _provider(rule.key, rule.host)


def is_well_known_host(host: str) -> bool:
    """A server of a big provider: its certificate is always valid, so skipping verification is never needed."""
    name = _normalize(host)
    if not name:
        return False
    return _host_rule(name) is not None or any(name == d or name.endswith(f'.{d}') for d in _WELL_KNOWN_DOMAINS)


def is_inbound_mx_host(host: str) -> bool:
    """A provider's incoming-mail (MX) server, which people mistake for the server to send through."""
    rule = _host_rule(host)
    return rule is not None and rule.inbound


def inbound_mx_advice(host: str) -> str | None:
    """What happened, why and what to do when an MX server was typed as the SMTP server; None for other hosts."""
    rule = _host_rule(host)
    if rule is None or not rule.inbound:
        return None
    provider = _provider(rule.key, rule.host)
    return _(
        '{host} is the server that receives mail for {provider} addresses from other mail servers (an MX server). It '
        'does not let programs sign in and send, so sending through it fails or the mail is rejected. Use '
        '{submission_host}, port {port} with {security} instead.'
    ).format(
        host=_normalize(host),
        provider=provider.name,
        submission_host=provider.host,
        port=provider.port,
        security=_(SECURITY_LABELS[provider.security]),
    )


def _provider(key: str, host: str) -> Provider:
    provider = _BY_KEY[key]
    return replace(provider, host=host) if host and host != provider.host else provider


@functools.lru_cache(maxsize=256)
def _host_rule(host: str) -> _HostRule | None:
    """Cached: every settings test asks about the same host, and the patterns are many."""
    name = _normalize(host)
    return next((rule for pattern, rule in _compiled_hosts() if pattern.fullmatch(name)), None) if name else None


def _domain_rule(domain: str) -> _DomainRule | None:
    """The first matching rule, including look-alike rules with an empty key; None for unknown domains."""
    return next((rule for pattern, rule in _compiled_domains() if pattern.fullmatch(domain)), None) if domain else None


def _email_domain(email: str) -> str:
    text = email.strip().strip('<>')
    return _normalize(text.rpartition('@')[2]) if '@' in text else ''


def _normalize(name: str) -> str:
    """Lower-case ASCII form of a typed host name: tolerates spaces, a trailing dot, a port or scheme, Unicode."""
    text = name.strip()
    if fix := suggest_host_fix(text):
        text = fix.host
    text = text.strip('[]').rstrip('.。．｡')
    if not text:
        return ''
    try:
        ascii_name = text.encode('idna').decode('ascii').lower()
    except UnicodeError:
        return ''
    return ascii_name if re.fullmatch(_HOST_NAME, ascii_name) else ''
