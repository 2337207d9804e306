"""What the deliverability check works on: the sending setup, and the facts the DNS gave about the sender's domain.

check.py gathers the facts, judge.py (with its helpers) turns them into findings; both read these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core import addresses
from core.deliverability import dkim_keys, dmarc, spf
from core.providers import Provider, detect_provider, is_well_known_host
from core.settings import EmailSettings, Protocol, Security


@dataclass(frozen=True)
class SendingSetup:
    """Who the mail claims to be from and how it leaves: the parts of the settings the check needs."""

    from_address: str
    account: str  # the username the server signs in (may not be an address)
    protocol: Protocol = Protocol.SMTP
    smtp_host: str = ''
    http_server: str = ''
    encrypted: bool = True
    server_name: str = ''  # the name the SMTP server introduced itself with in the settings test, if it ran

    @classmethod
    def from_settings(cls, settings: EmailSettings, *, server_name: str = '') -> SendingSetup:
        smtp = settings.protocol is Protocol.SMTP
        return cls(
            from_address=settings.sender_address,
            account=settings.username if smtp else '',
            protocol=settings.protocol,
            smtp_host=settings.host if smtp else '',
            http_server=settings.http_server if not smtp else '',
            encrypted=not smtp or settings.effective_security is not Security.NONE,
            server_name=server_name,
        )

    @property
    def from_domain(self) -> str:
        """ASCII form of the From domain; '' when the From address cannot be read."""
        try:
            return addresses.parse(self.from_address).envelope.rpartition('@')[2].lower()
        except addresses.AddressError:
            return ''

    @property
    def provider(self) -> Provider | None:
        """The service the mail goes out through, as the settings page recognises it."""
        if self.protocol is not Protocol.SMTP or detect_provider(host=self.smtp_host) is None:
            return None  # the host decides; the address only refines it (Gmail or Google Workspace)
        return detect_provider(host=self.smtp_host, email=self.from_address)

    @property
    def from_provider(self) -> Provider | None:
        """The free-mail provider whose own domain the From address is at (gmail.com, yahoo.com …), if any."""
        return detect_provider(email=self.from_address)

    @property
    def own_server(self) -> bool:
        """A server of the user's own (or their host's): its reverse DNS is theirs to set."""
        host = self.smtp_host.strip('[]')
        return self.protocol is Protocol.SMTP and self.provider is None and bool(host) and not is_well_known_host(host)


@dataclass(frozen=True)
class Unknown:
    """A lookup the DNS did not answer: the fact is unknown, never absent."""

    reason: str


@dataclass
class DomainFacts:
    setup: SendingSetup
    domain: str
    spf_records: tuple[str, ...] | Unknown = ()
    spf_tree: spf.SpfTree | None = None
    server_addresses: tuple[str, ...] | Unknown = ()
    spf_addresses: tuple[str, ...] | Unknown = ()  # what the record's top-level a and mx stand for
    dkim_selectors: tuple[str, ...] = ()
    dkim_found: list[dkim_keys.DkimKey] = field(default_factory=list)
    dkim_unavailable: list[str] = field(default_factory=list)
    dmarc_found: tuple[dmarc.DmarcPolicy | None, int] | Unknown = (None, 0)
    reverse: dict[str, tuple[str, ...] | Unknown] = field(default_factory=dict)  # server address -> PTR names
    forward: dict[str, tuple[str, ...] | Unknown] = field(default_factory=dict)  # PTR name -> its addresses
