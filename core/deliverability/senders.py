"""What each email provider needs in the sender's DNS: the SPF include that authorises its servers and the DKIM
selectors it signs with. A table, so a provider change is a data edit; keys are those of `core.providers`."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from core.i18n import N_


@dataclass(frozen=True)
class SenderProfile:
    spf_includes: tuple[str, ...]  # any one of these in the SPF record authorises the provider's servers
    dkim_selectors: tuple[str, ...]  # names under <selector>._domainkey.<domain> where its key is published
    dkim_setup: str = ''  # where to turn DKIM on for your own domain (marked with N_, shown with `_()`)


_ZOHO_SPF = tuple(f'{brand}.{region}' for brand in ('zoho', 'zohomail') for region in ('com', 'eu', 'in', 'com.au'))

SENDER_PROFILES: MappingProxyType[str, SenderProfile] = MappingProxyType(
    {
        'gmail': SenderProfile(('_spf.google.com',), ('google',)),
        'google-workspace': SenderProfile(
            ('_spf.google.com',),
            ('google',),
            dkim_setup=N_('Google Admin console → Apps → Google Workspace → Gmail → Authenticate email'),
        ),
        'microsoft365': SenderProfile(
            ('spf.protection.outlook.com',),
            ('selector1', 'selector2'),
            dkim_setup=N_(
                'Microsoft Defender portal → Email & collaboration → Policies → Email authentication settings → DKIM'
            ),
        ),
        'outlook': SenderProfile(
            ('spf.protection.outlook.com',),
            ('selector1', 'selector2'),
        ),
        'yahoo': SenderProfile(('_spf.mail.yahoo.com',), ('s2048', 's1024')),
        'aol': SenderProfile(('_spf.mail.yahoo.com',), ('a2048',)),
        'icloud': SenderProfile(
            ('icloud.com',),
            ('sig1',),
            dkim_setup=N_('iCloud settings → Custom Email Domain: add the records iCloud shows'),
        ),
        'zoho': SenderProfile(
            _ZOHO_SPF,
            ('zmail', 'zoho'),
            dkim_setup=N_('Zoho Mail Admin Console → Domains → your domain → Email Configuration → DKIM'),
        ),
        'fastmail': SenderProfile(
            ('spf.messagingengine.com',),
            ('fm1', 'fm2', 'fm3'),
            dkim_setup=N_('Fastmail Settings → Domains → your domain: add the DNS records Fastmail lists'),
        ),
        'gmx': SenderProfile(('gmx.net',), ('dkim',)),
    }
)

COMMON_SELECTORS: tuple[str, ...] = ('default', 'mail', 'dkim', 'selector1', 'selector2', 'google', 's1', 's2', 'k1')
"""Names tried for a server we do not know: what mail servers and hosting panels use unless told otherwise."""
