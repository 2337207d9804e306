"""DMARC (RFC 7489): the policy a domain asks receivers to apply when a message fails, found by walking up the DNS
tree from the From domain as DMARCbis does, so `billing.example.com` uses `example.com`'s record."""

from __future__ import annotations

from dataclasses import dataclass

from core.deliverability.dkim_keys import tags
from core.dns import DnsResolver
from core.domains import registrable_domain

POLICIES = ('none', 'quarantine', 'reject')


@dataclass(frozen=True)
class DmarcPolicy:
    domain: str  # where the record was found
    text: str
    policy: str  # none, quarantine or reject; '' when p= is missing or wrong
    subdomain_policy: str

    def applies_to(self, from_domain: str) -> str:
        """The policy for mail from `from_domain`: sp= for a subdomain of the record's domain, when given."""
        if from_domain.lower() != self.domain and self.subdomain_policy in POLICIES:
            return self.subdomain_policy
        return self.policy


def parse(domain: str, text: str) -> DmarcPolicy:
    values = tags(text)
    policy = values.get('p', '').lower()
    return DmarcPolicy(
        domain=domain,
        text=text,
        policy=policy if policy in POLICIES else '',
        subdomain_policy=values.get('sp', '').lower(),
    )


def is_dmarc(text: str) -> bool:
    return text.replace(' ', '').lower().startswith('v=dmarc1')


async def lookup(resolver: DnsResolver, domain: str) -> tuple[DmarcPolicy | None, int]:
    """The record that governs `domain` and how many records sat at that name (more than one voids them all).

    Raises DnsUnavailable when a name on the way could not be looked up: the answer is then unknown."""
    labels = domain.lower().rstrip('.').split('.')
    for start in range(len(labels) - 1):  # never the top-level domain alone
        name = '.'.join(labels[start:])
        found = [text for text in await resolver.txt(f'_dmarc.{name}') if is_dmarc(text)]
        if found:
            return parse(name, found[0]), len(found)
    return None, 0


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment (RFC 7489 §3.1): both names belong to the same organisation, so bounce.example.co.uk aligns
    with news.example.co.uk, but example.co.uk does not with other.co.uk."""
    return registrable_domain(domain) == registrable_domain(from_domain)
