"""SPF (RFC 7208) as far as a sender needs it: one record, valid terms, at most 10 DNS lookups, which servers it
names, and what it says about everyone else (`all`). Not an evaluator for an incoming connection."""

from __future__ import annotations

import contextlib
import ipaddress
import re
from dataclasses import dataclass, field

from core.dns import DnsResolver, DnsUnavailable
from core.i18n import _

LOOKUP_LIMIT = 10
LOOKUP_TERMS = frozenset({'include', 'a', 'mx', 'ptr', 'exists', 'redirect'})
MECHANISMS = frozenset({'all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists'})
_NEEDS_VALUE = frozenset({'include', 'exists', 'ip4', 'ip6', 'redirect'})
_MAX_DEPTH = 10
_TERM = re.compile(r'^([+\-~?]?)([a-z][a-z0-9_.\-]*)([:=/]?)(.*)$', re.IGNORECASE)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Term:
    qualifier: str  # '+', '-', '~' or '?' for a mechanism, '' for a modifier
    name: str
    value: str


@dataclass(frozen=True)
class SpfRecord:
    text: str
    terms: tuple[Term, ...]
    errors: tuple[str, ...]

    @property
    def all_qualifier(self) -> str | None:
        return next((term.qualifier for term in self.terms if term.name == 'all'), None)

    @property
    def redirect(self) -> str | None:
        """Used only without an `all` mechanism (RFC 7208 6.1)."""
        if self.all_qualifier is not None:
            return None
        return next((term.value for term in self.terms if term.name == 'redirect'), None)

    @property
    def lookups(self) -> int:
        """DNS-querying terms in this record alone."""
        return sum(1 for term in self.terms if term.name in LOOKUP_TERMS and term.name != 'redirect') + (
            1 if self.redirect else 0
        )


def is_spf(text: str) -> bool:
    return text.lower() == 'v=spf1' or text.lower().startswith('v=spf1 ')


def spf_records(texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(text.strip() for text in texts if is_spf(text.strip()))


def parse(text: str) -> SpfRecord:
    terms: list[Term] = []
    errors: list[str] = []
    for word in text.split()[1:]:
        match = _TERM.match(word)
        if match is None:
            errors.append(_('"{word}" is not an SPF term').format(word=word))
            continue
        qualifier, name, separator, value = match.groups()
        name = name.lower()
        if separator == '=':
            if qualifier:
                errors.append(_('"{word}": a modifier takes no {sign} sign').format(word=word, sign=qualifier))
            elif name in MECHANISMS:
                errors.append(_('"{word}": {name} is written {name}:…, not {name}=…').format(word=word, name=name))
            elif name in ('redirect', 'exp') and not value:
                errors.append(_('"{word}" names no domain').format(word=word))
            terms.append(Term('', name, value))
            continue
        if name not in MECHANISMS:
            errors.append(_('"{word}": "{name}" is not an SPF mechanism').format(word=word, name=name))
            continue
        problem = _mechanism_problem(name, separator, value)
        if problem:
            errors.append(_('"{word}": {problem}').format(word=word, problem=problem))
        terms.append(Term(qualifier or '+', name, value if separator != '/' else f'/{value}'))
    names = [term.name for term in terms if not term.qualifier]
    errors += [
        _('{name}= appears more than once').format(name=name) for name in ('redirect', 'exp') if names.count(name) > 1
    ]
    return SpfRecord(text, tuple(terms), tuple(errors))


def _mechanism_problem(name: str, separator: str, value: str) -> str:
    if name == 'all':
        return _('all takes no value') if separator else ''
    if name in _NEEDS_VALUE and (separator != ':' or not value):
        return _('{name} needs a value after "{name}:"').format(name=name)
    if name in ('ip4', 'ip6'):
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return _('"{value}" is not an IP address or network').format(value=value)
        if network.version != int(name[-1]):
            return _('"{value}" is not an IPv{version} address').format(value=value, version=name[-1])
    return ''


@dataclass
class SpfTree:
    """What a record and everything it includes add up to."""

    lookups: int = 0
    includes: set[str] = field(default_factory=set)  # include and redirect targets, lowercase
    networks: list[Network] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)  # names whose TXT could not be looked up

    @property
    def complete(self) -> bool:
        return not self.unavailable

    def authorises(self, address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(ip in network for network in self.networks if network.version == ip.version)


async def walk(resolver: DnsResolver, domain: str, record: SpfRecord) -> SpfTree:
    """Count the lookups of the record and of each record it includes or redirects to, recursively."""
    tree = SpfTree()
    await _walk(resolver, record, tree, seen=frozenset({domain.lower()}), depth=0)
    return tree


async def _walk(resolver: DnsResolver, record: SpfRecord, tree: SpfTree, seen: frozenset[str], depth: int) -> None:
    tree.lookups += record.lookups
    for term in record.terms:
        if term.name in ('ip4', 'ip6') and term.qualifier == '+':
            with contextlib.suppress(ValueError):
                tree.networks.append(ipaddress.ip_network(term.value, strict=False))
    targets = [term.value for term in record.terms if term.name == 'include' and term.value]
    if record.redirect:
        targets.append(record.redirect)
    for target in targets:
        name = target.lower().rstrip('.')
        tree.includes.add(name)
        if '%' in name or tree.lookups > LOOKUP_LIMIT * 3:
            continue  # a macro depends on the connecting server; far over the limit the count is settled
        if name in seen or depth >= _MAX_DEPTH:  # `seen` is this branch's path: two branches may share an include
            tree.problems.append(_('{name} includes itself again (a loop)').format(name=name))
            continue
        try:
            found = spf_records(await resolver.txt(name))
        except DnsUnavailable:
            tree.unavailable.append(name)
            continue
        if len(found) != 1:
            tree.problems.append(
                _('{name} has no SPF record').format(name=name)
                if not found
                else _('{name} has {count} SPF records instead of one').format(name=name, count=len(found))
            )
            continue
        nested = parse(found[0])
        tree.problems += [f'{name}: {error}' for error in nested.errors]
        await _walk(resolver, nested, tree, seen | {name}, depth + 1)
