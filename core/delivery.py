"""What became of each recipient of one email: the transport reports it, the log keeps it, the pages show it.

A server may take a message for some recipients and refuse others, so "sent" is a fact about each address, not
about the message. Kept apart from the transports and the log so that both can use it without loading the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from core import addresses

_REPLY_CODE = re.compile(r'^\s*([2-5]\d\d)\b')


class Delivery(StrEnum):
    ACCEPTED = 'accepted'
    REFUSED = 'refused'  # permanently (5xx): trying again will not help until something changes
    DEFERRED = 'deferred'  # temporarily (4xx, or the server's limit of recipients per message): try again later


@dataclass(frozen=True)
class RecipientOutcome:
    """One address and what the server said about it; `blind` marks a Bcc or the settings' copy address."""

    address: str
    delivery: Delivery
    reply: str = ''
    blind: bool = False

    @property
    def accepted(self) -> bool:
        return self.delivery is Delivery.ACCEPTED

    @property
    def reply_code(self) -> int | None:
        return reply_code(self.reply)

    def to_dict(self) -> dict[str, Any]:
        return {'address': self.address, 'delivery': self.delivery.value, 'reply': self.reply, 'blind': self.blind}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecipientOutcome:
        return cls(
            address=str(data.get('address', '')),
            delivery=Delivery(data.get('delivery', Delivery.REFUSED.value)),
            reply=str(data.get('reply', '')),
            blind=bool(data.get('blind', False)),
        )


def reply_code(reply: str) -> int | None:
    """The three-digit code a server reply starts with, if any."""
    match = _REPLY_CODE.match(reply)
    return int(match.group(1)) if match else None


def refusal(address: str, code: int | None, reply: str, *, transient: bool | None = None) -> RecipientOutcome:
    """A refused recipient; a 4xx reply (or `transient`) means the server may take it later."""
    later = transient if transient is not None else code is not None and 400 <= code < 500
    return RecipientOutcome(address, Delivery.DEFERRED if later else Delivery.REFUSED, reply)


def address_key(address: str) -> str:
    """Addresses compare without display name, case or surrounding blanks, as unique_addresses does."""
    return addresses.envelope_of(address).lower()


def merge_outcomes(
    earlier: Iterable[RecipientOutcome], latest: Iterable[RecipientOutcome], *, blind: Iterable[str] = ()
) -> tuple[RecipientOutcome, ...]:
    """Every address once, the latest word winning, except that an address once accepted stays accepted."""
    merged: dict[str, RecipientOutcome] = {address_key(o.address): o for o in earlier}
    for outcome in latest:
        key = address_key(outcome.address)
        if key not in merged or not merged[key].accepted:
            merged[key] = outcome
    hidden = {address_key(a) for a in blind}
    return tuple(replace(o, blind=o.blind or address_key(o.address) in hidden) for o in merged.values())
