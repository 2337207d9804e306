"""One finding of the deliverability check: its status, what was found, what it means and what to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.i18n import N_, _
from core.i18n.phrase import Phrase


class FindingStatus(StrEnum):
    GOOD = 'good'
    WARN = 'warn'
    PROBLEM = 'problem'
    UNKNOWN = 'unknown'  # the DNS did not answer: could not check, which never means "missing"


TRY_AGAIN = N_('Run the check again in a minute. If it keeps happening, this network may be blocking DNS lookups.')
"""What to do when the DNS did not answer (translated where a finding is made)."""

STATUS_LABELS: dict[FindingStatus, str] = {
    FindingStatus.PROBLEM: N_('Problems'),
    FindingStatus.WARN: N_('Worth fixing'),
    FindingStatus.UNKNOWN: N_('Could not check'),
    FindingStatus.GOOD: N_('Good'),
}
"""The groups in the order people should read them: what to fix first comes first (shown with `_()`)."""


@dataclass(frozen=True)
class Finding:
    """`message` says what was found; `meaning` why it matters to a non-expert; `action` what to do ('' when good)."""

    check: str  # stable key for scripts: from-domain, spf, dkim, dmarc, reverse-dns, sender-rules, headers-…
    title: str
    status: FindingStatus
    message: str
    meaning: str = ''
    action: str = ''
    details: dict[str, str] = field(default_factory=dict)  # labels in English: scripts rely on them in any language
    labels: dict[str, Phrase] = field(default_factory=dict)  # how a label made of parts is worded ('Record 2')

    def shown_details(self) -> dict[str, str]:
        """The details as the page and the terminal show them: each label in the current language."""
        return {str(self.labels[key]) if key in self.labels else _(key): value for key, value in self.details.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            'check': self.check,
            'title': self.title,
            'status': self.status.value,
            'message': self.message,
            'meaning': self.meaning,
            'action': self.action,
            'details': dict(self.details),
        }


@dataclass(frozen=True)
class Report:
    """The findings for one From domain, in the order they were checked."""

    domain: str
    findings: tuple[Finding, ...]

    def grouped(self) -> list[tuple[FindingStatus, tuple[Finding, ...]]]:
        """Non-empty groups, problems first."""
        groups = [(status, tuple(f for f in self.findings if f.status is status)) for status in STATUS_LABELS]
        return [(status, found) for status, found in groups if found]

    def get(self, check: str) -> Finding | None:
        return next((finding for finding in self.findings if finding.check == check), None)

    def to_json(self) -> dict[str, Any]:
        return {'deliverability': {'domain': self.domain, 'findings': [f.to_json() for f in self.findings]}}
