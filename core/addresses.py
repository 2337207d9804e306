"""The one rule for email addresses: how a typed list splits, what is valid, and what an address needs to travel.

Settings, contacts, the compose dialog, the message builder, the terminal check and the relay all ask this module,
so an address that one of them accepts is never refused by another.

- Internal and special-use domains (`.local`, `.home.arpa`, `.test`, `localhost`, a name without a dot) are valid:
  company mail servers, test servers and intranet Exchange use them. They get a warning, because mail to or from
  them works only inside their own network. Only `.invalid`, which by definition never exists, is refused.
- International domains are checked and converted to their ASCII form (A-labels) for the envelope.
- Letters beyond ASCII before the @ (`jörg@example.de`) are valid but need a server that offers SMTPUTF8; the
  transport uses it when offered and says so plainly when it is not.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from email.utils import getaddresses

from email_validator import EmailNotValidError, validate_email

from core.i18n import N_, _
from core.i18n.phrase import Phrase, PhraseError, literal, phrase

_STAND_IN = 'test'
"""email-validator refuses every special-use name except `test` (with `test_environment`); the others are checked
under this stand-in last label and given back their own, so the rest of the name gets the library's full check."""

_SPECIAL_USE = frozenset({'arpa', 'local', 'localhost', 'onion', 'test'})
_PRIVATE_USE = frozenset({'internal', 'lan', 'home', 'corp', 'intranet'})
"""Names never delegated on the public internet but common on company networks (ICANN's `.internal` among them)."""

_NEVER_EXISTS = 'invalid'
_LIBRARY_REASONS = frozenset(
    {
        N_('An email address must have an @-sign.'),
        N_('There must be something after the @-sign.'),
        N_('There must be something before the @-sign.'),
        N_('An email address cannot have two periods in a row.'),
        N_('An email address cannot start with a period.'),
        N_('An email address cannot end with a period.'),
        N_('An email address cannot have a period immediately before the @-sign.'),
        N_('An email address cannot have a period immediately after the @-sign.'),
        N_('An email address cannot have a hyphen immediately after the @-sign.'),
        N_("There can't be anything after the email address."),
    }
)
_LIBRARY_REASONS_NAMING_CHARACTERS = {
    'The email address contains invalid characters before the @-sign: ': N_(
        'The email address contains invalid characters before the @-sign: {characters}'
    ),
    'The part after the @-sign contains invalid characters: ': N_(
        'The part after the @-sign contains invalid characters: {characters}'
    ),
}
"""email-validator's words for the commonest typing mistakes, marked so that each language can say them."""
_DISPLAY_SPECIALS = re.compile(r'[][\\()<>@,:;."]')
# Unicode's Cc, Zl and Zp characters (fixed sets: the C0 and C1 controls, U+2028, U+2029), found faster than by name.
_CONTROL = re.compile(r'[\x00-\x1f\x7f-\x9f\u2028\u2029]')


class AddressError(PhraseError):
    """One address that cannot be used. `problem` names the address but not the field: the caller knows the field's
    name on its page and puts it in front where the message is shown away from the field."""


@dataclass(frozen=True)
class EmailAddress:
    """A checked address. `address` is for people (international letters kept), `envelope` for the wire."""

    address: str
    envelope: str
    display_name: str = ''
    smtputf8: bool = False
    local_network: bool = False

    @property
    def domain(self) -> str:
        return self.address.rpartition('@')[2]

    @property
    def header(self) -> str:
        """The mailbox as it goes into To, Cc, From or Reply-To: display name kept, quoted where needed."""
        return mailbox(self.display_name, self.envelope)


def mailbox(display_name: str, address: str) -> str:
    if not display_name:
        return address
    name = display_name
    if _DISPLAY_SPECIALS.search(name):
        name = '"' + name.replace('\\', '\\\\').replace('"', '\\"') + '"'
    return f'{name} <{address}>'


def envelope_of(mailbox: str) -> str:
    """The plain address of a checked mailbox (`Name <a@b.example>` -> `a@b.example`), cheaply, for the envelope."""
    text = mailbox.strip()
    if text.endswith('>') and '<' in text:
        return text[text.rindex('<') + 1 : -1].strip()
    return text


def split_list(text: str) -> list[str]:
    """The items of a typed list as typed: separated by `,`, `;` or new lines outside quotes and angle brackets.

    A run of bare addresses separated only by spaces (as pasted from a spreadsheet) splits at the spaces too.
    """
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    depth = 0
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == '\\':
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char == '<':
            depth += 1
        elif not quoted and char == '>':
            depth = max(0, depth - 1)
        elif not quoted and not depth and char in ',;\r\n':
            items.append(''.join(current))
            current = []
            continue
        current.append(char)
    items.append(''.join(current))
    result: list[str] = []
    for item in (part.strip() for part in items):
        if not item:
            continue
        result.extend(item.split() if not any(c in item for c in '<"(') else [item])
    return result


def parse(text: str) -> EmailAddress:
    """One address, with or without a display name (`"Doe, John" <j@example.com>`); raises AddressError."""
    typed = text.strip()
    if not typed:
        raise AddressError(phrase('Enter an email address.'))
    if _CONTROL.search(typed):
        raise AddressError(phrase('An email address cannot contain a line break or control character.'))
    display_name, bare = _split_display_name(typed)
    checked = _check(bare)
    return replace(checked, display_name=display_name) if display_name else checked


def parse_list(text: str) -> list[EmailAddress]:
    """Every address of a typed list, duplicates dropped; the first wrong one raises AddressError naming it."""
    seen: set[str] = set()
    result: list[EmailAddress] = []
    for item in split_list(text):
        address = parse(item)
        if address.envelope.lower() not in seen:
            seen.add(address.envelope.lower())
            result.append(address)
    return result


def problem(text: str, *, name_allowed: bool = True) -> str | None:
    """What is wrong with one address, or None; without `name_allowed` it must be the bare address."""
    try:
        address = parse(text)
    except AddressError as error:
        return error.problem
    if address.display_name and not name_allowed:
        return _('Enter only the address ({address}) here, without a name.').format(address=address.address)
    return None


def list_problem(text: str, *, required: bool = False) -> str | None:
    """What is wrong with a typed list, or None; `required` means at least one address must be there."""
    try:
        addresses = parse_list(text or '')
    except AddressError as error:
        return error.problem
    return _('Enter at least one email address.') if required and not addresses else None


def warnings(addresses: Iterable[EmailAddress]) -> list[str]:
    """What the user should know about valid addresses: internal domains and international letters before the @."""
    notes: list[str] = []
    for address in addresses:
        if address.local_network:
            notes.append(
                _(
                    '{address} is on an internal domain ({domain}): it works only inside its own network, through a '
                    'mail server that knows that domain; mail from or to the internet will not reach it.'
                ).format(address=address.address, domain=address.domain)
            )
        if address.smtputf8:
            notes.append(
                _(
                    '{address} has letters beyond English before the @: it can be sent only through a mail server '
                    'that supports international addresses (SMTPUTF8). Mailroom checks this when sending and tells '
                    'you if yours does not.'
                ).format(address=address.address)
            )
    return notes


def list_warning(text: str) -> str:
    """The warnings for a typed list as one text; empty when there are none or the list has an error."""
    try:
        return ' '.join(warnings(parse_list(text or '')))
    except AddressError:
        return ''


def _split_display_name(typed: str) -> tuple[str, str]:
    if '<' not in typed and '"' not in typed and '(' not in typed:
        return '', typed
    parsed = getaddresses([typed])
    if len(parsed) > 1 and (',' in typed or ';' in typed):
        raise AddressError(
            phrase(
                '"{typed}" is not one email address: put a name with a comma in quotes, like "Doe, John" <j@x.com>.',
                typed=typed,
            )
        )
    if len(parsed) != 1 or not parsed[0][1] or not typed.rstrip().endswith('>'):
        raise AddressError(
            phrase('"{typed}" is not a valid email address: write it as Name <name@example.com>.', typed=typed)
        )
    name, bare = parsed[0]
    return ' '.join(name.split()), bare


def _library_reason(error: EmailNotValidError) -> Phrase:
    """The library's reason in the reader's language where it is one of the common ones; else as the library said."""
    said = str(error)
    if said in _LIBRARY_REASONS:
        return Phrase(said)  # its English is a message id (N_ above)
    for start, reason in _LIBRARY_REASONS_NAMING_CHARACTERS.items():
        if said.startswith(start):
            return Phrase(reason, (('characters', said.removeprefix(start)),))
    return literal(said)


def _last_label(domain: str) -> tuple[str, str]:
    """The last label as typed and in the form it is compared in (full-width letters and case folded)."""
    typed = domain.rsplit('.', 1)[-1]
    return typed, unicodedata.normalize('NFKC', typed).casefold()


@functools.lru_cache(maxsize=4096)  # pure; the same few addresses are checked by each layer a message passes
def _check(bare: str) -> EmailAddress:
    local, at, domain = bare.rpartition('@')
    label_typed, label = _last_label(domain)
    if at and label == _NEVER_EXISTS:
        raise AddressError(
            phrase(
                '"{address}" ends in .invalid, a name reserved for addresses that never exist: no mail can reach it.',
                address=bare,
            )
        )
    swapped = bool(at) and label in _SPECIAL_USE - {_STAND_IN}
    candidate = f'{local}@{domain[: len(domain) - len(label_typed)]}{_STAND_IN}' if swapped else bare
    try:
        valid = validate_email(
            candidate,
            check_deliverability=False,
            globally_deliverable=False,
            test_environment=True,
            allow_smtputf8=True,
        )
    except EmailNotValidError as error:
        raise AddressError(
            phrase('"{address}" is not a valid email address: {reason}', address=bare, reason=_library_reason(error))
        ) from None
    ascii_domain, domain_shown = valid.ascii_domain, valid.domain
    if swapped:
        ascii_domain = ascii_domain[: -len(_STAND_IN)] + label
        domain_shown = domain_shown[: -len(_STAND_IN)] + label
    last = ascii_domain.rsplit('.', 1)[-1]
    return EmailAddress(
        address=f'{valid.local_part}@{domain_shown}',
        envelope=f'{valid.local_part}@{ascii_domain}',
        smtputf8=bool(valid.smtputf8),
        local_network='.' not in ascii_domain or last in _SPECIAL_USE | _PRIVATE_USE,
    )
