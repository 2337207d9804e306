"""Email subject and body templates per document type: Liquid placeholders, a Markdown body sent as HTML + text.

python-liquid (core.template_engine) and markdown-it load with the first render, not with the app.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from core.documents.model import BusinessProfile, Contact, Document
from core.documents.money import format_money
from core.documents.statement import Statement

if TYPE_CHECKING:
    from liquid import Environment
    from liquid.exceptions import LiquidError
    from markdown_it import MarkdownIt

STATEMENT_TYPE = 'customer_statement'


@dataclass(frozen=True)
class EmailTemplate:
    subject: str
    body: str


@dataclass(frozen=True)
class Placeholder:
    """One value a template may use, shown on the templates page with an example."""

    name: str
    description: str
    example: str


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class TemplateError(ValueError):
    """A template that cannot be rendered, told in plain words with where the problem is."""

    def __init__(self, part: str, message: str, line: int | None = None) -> None:
        where = f' (line {line})' if line else ''
        super().__init__(f'The {part}{where}: {message}')
        self.part = part
        self.line = line
        self.reason = message


PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder('recipient.name', 'The customer or supplier the document is for', 'Þórður Ægisson ehf.'),
    Placeholder('recipient.email', 'Their email address', 'thordur@example.is'),
    Placeholder('document_type', 'What the document is, in words', 'Sales invoice'),
    Placeholder('reference', 'The document number', 'INV-0042'),
    Placeholder('issue_date', 'The date on the document', '28 Nov 2026'),
    Placeholder('due_date', 'When payment is due, or until when a quote holds (blank if none)', '12 Dec 2026'),
    Placeholder('total', 'The document total with currency', '€1,240.00'),
    Placeholder('amount_due', 'What is still to pay (statements: the balance)', '€1,240.00'),
    Placeholder('business.name', 'Your business name', 'Norðurljós Design'),
    Placeholder('business.email', 'Your business email address', 'hello@nordurljos.example'),
    Placeholder('business.phone', 'Your business phone number', '+354 555 0100'),
)

_SIGNATURE = '\n\nKind regards,\n{{ business.name }}\n{{ business.phone }}'

DEFAULT_TEMPLATES: Mapping[str, EmailTemplate] = MappingProxyType(
    {
        'sales_quote': EmailTemplate(
            'Quote {{ reference }} from {{ business.name }}',
            'Dear {{ recipient.name }},\n\nPlease find attached our quote **{{ reference }}** for {{ total }}.'
            '{% if due_date %} It is valid until {{ due_date }}.{% endif %}'
            '\n\nIf you would like to go ahead, simply reply to this email.' + _SIGNATURE,
        ),
        'sales_invoice': EmailTemplate(
            'Invoice {{ reference }} from {{ business.name }}',
            'Dear {{ recipient.name }},\n\nPlease find attached invoice **{{ reference }}** for {{ total }}'
            '{% if due_date %}, due on {{ due_date }}{% endif %}.\n\nThank you for your business.' + _SIGNATURE,
        ),
        'credit_note': EmailTemplate(
            'Credit note {{ reference }} from {{ business.name }}',
            'Dear {{ recipient.name }},\n\nPlease find attached credit note **{{ reference }}** for {{ total }}.'
            + _SIGNATURE,
        ),
        'purchase_order': EmailTemplate(
            'Purchase order {{ reference }} from {{ business.name }}',
            'Dear {{ recipient.name }},\n\nPlease find attached our purchase order **{{ reference }}**'
            ' for {{ total }}. Please confirm the order and the delivery date by replying to this email.' + _SIGNATURE,
        ),
        'customer_statement': EmailTemplate(
            'Statement of account from {{ business.name }}',
            'Dear {{ recipient.name }},\n\nPlease find attached your statement of account.'
            ' The amount due is **{{ amount_due }}**.\n\nIf you have already paid, thank you, and please'
            ' ignore this reminder.' + _SIGNATURE,
        ),
    }
)

FALLBACK_TEMPLATE = EmailTemplate(
    '{{ document_type }} {{ reference }} from {{ business.name }}',
    'Dear {{ recipient.name }},\n\nPlease find attached {{ document_type }} **{{ reference }}**.' + _SIGNATURE,
)


def default_template(document_type: str) -> EmailTemplate:
    return DEFAULT_TEMPLATES.get(document_type, FALLBACK_TEMPLATE)


def template_type(document: Document | Statement) -> str:
    """The key templates are stored under: the document type, or `customer_statement` for the report."""
    return STATEMENT_TYPE if isinstance(document, Statement) else document.type.value


def type_label(document_type: str) -> str:
    return document_type.replace('_', ' ').capitalize()


def context_for(document: Document | Statement, business: BusinessProfile, contact: Contact | None) -> dict[str, Any]:
    """The placeholders' values for one document, formatted as they are printed on its PDF."""
    from core.pdf.payload import format_date  # the core.pdf package loads Typst, which only making a PDF needs

    if isinstance(document, Statement):
        recipient = document.customer
        due = format_money(document.amount_due, document.currency)
        total, issued, second = due, document.period_end, None
    else:
        if contact is None:
            raise ValueError(f'{document.title} needs its contact.')
        recipient = contact
        total = due = format_money(document.total, document.currency)
        issued, second = document.issue_date, document.second_date
    return {
        'recipient': {'name': recipient.name, 'email': recipient.primary_email or ''},
        'document_type': type_label(template_type(document)),
        'reference': document.reference,
        'issue_date': format_date(issued),
        'due_date': format_date(second) if second else None,  # nil, so `{% if due_date %}` works as people expect
        'total': total,
        'amount_due': due,
        'business': {'name': business.name, 'email': business.email, 'phone': business.phone},
    }


def sample_context(document_type: str = 'sales_invoice') -> dict[str, Any]:
    """The placeholders' examples as a context, for the live preview before any real document is chosen."""
    context: dict[str, Any] = {}
    for placeholder in PLACEHOLDERS:
        head, _, tail = placeholder.name.partition('.')
        if tail:
            context.setdefault(head, {})[tail] = placeholder.example
        else:
            context[head] = placeholder.example
    context['document_type'] = type_label(document_type)
    return context


def render_email(template: EmailTemplate, context: Mapping[str, Any]) -> RenderedEmail:
    """Subject on one line, the body as the Markdown text people read and as HTML in which values print literally."""
    from core.template_engine import markdown_environment, plain_environment

    subject = ' '.join(_render('subject', plain_environment(), template.subject, context).split())
    text = _render('body', plain_environment(), template.body, context).strip() + '\n'
    markdown = _render('body', markdown_environment(), template.body, context)
    return RenderedEmail(subject=subject, text=text, html=markdown_to_html(markdown))


def template_problems(template: EmailTemplate, extra: Iterable[Placeholder] = ()) -> list[TemplateError]:
    """Syntax errors and unknown placeholders, found without rendering, for the editor to show as the user types.

    `extra`: the placeholders a kind of email has beyond the documents' own (a reminder's days overdue)."""
    from liquid.exceptions import LiquidError

    from core.template_engine import plain_environment

    known = {placeholder.name for placeholder in (*PLACEHOLDERS, *extra)} | {'recipient', 'business'}
    problems: list[TemplateError] = []
    for part, source in (('subject', template.subject), ('body', template.body)):
        try:
            parsed = plain_environment().from_string(source)
        except LiquidError as error:
            problems.append(_explain(part, error))
            continue
        for path in parsed.global_variable_paths():
            if path not in known:
                problems.append(TemplateError(part, f'"{{{{ {path} }}}}" is not a placeholder Mailroom knows.'))
    return problems


def _render(part: str, environment: Environment, source: str, context: Mapping[str, Any]) -> str:
    from liquid.exceptions import LiquidError

    try:
        return environment.from_string(source).render(**context)
    except LiquidError as error:
        raise _explain(part, error) from error


def _explain(part: str, error: LiquidError) -> TemplateError:
    from liquid.exceptions import LiquidSyntaxError, ResourceLimitError, UndefinedError, UnknownFilterError

    from core.template_engine import IncludeRefusedError

    where = error.context()
    line = where[0] if where else None
    if isinstance(error, IncludeRefusedError):
        return TemplateError(part, str(error.message), line)
    if isinstance(error, UndefinedError):
        return TemplateError(part, f'{error.message}: check the spelling against the list of placeholders.', line)
    if isinstance(error, UnknownFilterError):
        return TemplateError(part, f"{error.message}: remove it or use one of Liquid's standard filters.", line)
    if isinstance(error, LiquidSyntaxError):
        return TemplateError(part, f'{error.message}: every {{{{ needs its }}}} and every {{% tag %}} its end.', line)
    if isinstance(error, ResourceLimitError):
        return TemplateError(part, f'{error.message}: the template does too much work; shorten its loops.', line)
    return TemplateError(part, str(error.message), line)


def markdown_to_html(markdown: str) -> str:
    """An HTML email body; raw HTML in the Markdown is shown as text, so the body is Markdown only."""
    body = _markdown_parser().render(markdown)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>'
        '<body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; font-size: 15px;'
        f' line-height: 1.5; color: #1f2328;">\n{body}</body></html>\n'
    )


@functools.cache
def _markdown_parser() -> MarkdownIt:
    """Built once, on first use: no page needs markdown-it before an email is rendered."""
    from markdown_it import MarkdownIt

    return MarkdownIt('commonmark', {'html': False, 'breaks': True})
