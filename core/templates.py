"""Email subject and body templates per document type and language: Liquid placeholders, a Markdown body sent as
HTML + text. Mailroom's own texts exist in English and Icelandic; an email uses its contact's language.

python-liquid (core.template_engine) and markdown-it load with the first render, not with the app.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from core.documents.model import BusinessProfile, Contact, Document
from core.documents.money import format_date, format_money
from core.documents.statement import Statement
from core.i18n import DEFAULT_LANGUAGE, N_, _, supported

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
    """One value a template may use, shown on the templates page with an example (both marked, shown with `_()`)."""

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
        named = _(_PARTS.get(part, part))
        text = _('The {part} (line {line}): {message}') if line else _('The {part}: {message}')
        super().__init__(text.format(part=named, line=line, message=message))
        self.part = part
        self.line = line
        self.reason = message


_PARTS = {'subject': N_('subject'), 'body': N_('body')}

PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder('recipient.name', N_('The customer or supplier the document is for'), 'Þórður Ægisson ehf.'),
    Placeholder('recipient.email', N_('Their email address'), 'thordur@example.is'),
    Placeholder('document_type', N_('What the document is, in words'), N_('Sales invoice')),
    Placeholder('reference', N_('The document number'), 'INV-0042'),
    Placeholder('issue_date', N_('The date on the document'), N_('28 Nov 2026')),
    Placeholder('due_date', N_('When payment is due, or until when a quote holds (blank if none)'), N_('12 Dec 2026')),
    Placeholder('total', N_('The document total with currency'), N_('€1,240.00')),
    Placeholder('amount_due', N_('What is still to pay (statements: the balance)'), N_('€1,240.00')),
    Placeholder('business.name', N_('Your business name'), 'Norðurljós Design'),
    Placeholder('business.email', N_('Your business email address'), 'hello@nordurljos.example'),
    Placeholder('business.phone', N_('Your business phone number'), '+354 555 0100'),
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

_KVEDJA = '\n\nMeð kveðju,\n{{ business.name }}\n{{ business.phone }}'

ICELANDIC_TEMPLATES: Mapping[str, EmailTemplate] = MappingProxyType(
    {
        'sales_quote': EmailTemplate(
            'Tilboð {{ reference }} frá {{ business.name }}',
            'Góðan dag,\n\nMeðfylgjandi er tilboð okkar **{{ reference }}** að upphæð {{ total }}.'
            '{% if due_date %} Það gildir til {{ due_date }}.{% endif %}'
            '\n\nEf þú vilt taka tilboðinu nægir að svara þessum tölvupósti.' + _KVEDJA,
        ),
        'sales_invoice': EmailTemplate(
            'Reikningur {{ reference }} frá {{ business.name }}',
            'Góðan dag,\n\nMeðfylgjandi er reikningur **{{ reference }}** að upphæð {{ total }}'
            '{% if due_date %} með gjalddaga {{ due_date }}{% endif %}.\n\nTakk fyrir viðskiptin.' + _KVEDJA,
        ),
        'credit_note': EmailTemplate(
            'Kreditreikningur {{ reference }} frá {{ business.name }}',
            'Góðan dag,\n\nMeðfylgjandi er kreditreikningur **{{ reference }}** að upphæð {{ total }}.' + _KVEDJA,
        ),
        'purchase_order': EmailTemplate(
            'Innkaupapöntun {{ reference }} frá {{ business.name }}',
            'Góðan dag,\n\nMeðfylgjandi er innkaupapöntun okkar **{{ reference }}** að upphæð {{ total }}.'
            ' Vinsamlegast staðfestu pöntunina og afhendingardaginn með því að svara þessum tölvupósti.' + _KVEDJA,
        ),
        'customer_statement': EmailTemplate(
            'Reikningsyfirlit frá {{ business.name }}',
            'Góðan dag,\n\nMeðfylgjandi er reikningsyfirlitið þitt. Upphæð til greiðslu er **{{ amount_due }}**.'
            '\n\nEf þú hefur þegar greitt þökkum við kærlega fyrir og biðjum þig að líta fram hjá þessari'
            ' áminningu.' + _KVEDJA,
        ),
    }
)

ICELANDIC_FALLBACK = EmailTemplate(
    '{{ document_type }} {{ reference }} frá {{ business.name }}',
    'Góðan dag,\n\nMeðfylgjandi er {{ document_type | downcase }} **{{ reference }}**.' + _KVEDJA,
)

_DEFAULTS: Mapping[str, tuple[Mapping[str, EmailTemplate], EmailTemplate]] = MappingProxyType(
    {'en': (DEFAULT_TEMPLATES, FALLBACK_TEMPLATE), 'is': (ICELANDIC_TEMPLATES, ICELANDIC_FALLBACK)}
)


def default_template(document_type: str, language: str = DEFAULT_LANGUAGE) -> EmailTemplate:
    """Mailroom's own text for a type in a language ('en', 'is'; any other language gets English)."""
    templates, fallback = _DEFAULTS[supported(language)]
    return templates.get(document_type, fallback)


def template_type(document: Document | Statement) -> str:
    """The key templates are stored under: the document type, or `customer_statement` for the report."""
    return STATEMENT_TYPE if isinstance(document, Statement) else document.type.value


_TYPE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        'sales_quote': N_('Sales quote'),
        'sales_invoice': N_('Sales invoice'),
        'credit_note': N_('Credit note'),
        'purchase_order': N_('Purchase order'),
        'customer_statement': N_('Customer statement'),
    }
)


def type_label(document_type: str) -> str:
    """'Sales invoice', in the current language."""
    label = _TYPE_LABELS.get(document_type)
    return _(label) if label else document_type.replace('_', ' ').capitalize()


def context_for(document: Document | Statement, business: BusinessProfile, contact: Contact | None) -> dict[str, Any]:
    """The placeholders' values for one document, formatted as they are printed on its PDF: in the current language
    (`core.outbox.document_draft` renders in the document's)."""
    if isinstance(document, Statement):
        recipient = document.customer
        due = format_money(document.amount_due, document.currency)
        total, issued, second = due, document.period_end, None
    else:
        if contact is None:
            raise ValueError(_('{title} needs its contact.').format(title=document.title))
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
    """The placeholders' examples as a context, for the live preview before any real document is chosen (in the
    current language: the templates page previews each language's text in its own)."""
    context: dict[str, Any] = {}
    for placeholder in PLACEHOLDERS:
        head, _sep, tail = placeholder.name.partition('.')
        if tail:
            context.setdefault(head, {})[tail] = _(placeholder.example)
        else:
            context[head] = _(placeholder.example)
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
                problems.append(
                    TemplateError(
                        part,
                        _('"{placeholder}" is not a placeholder Mailroom knows.').format(
                            placeholder=f'{{{{ {path} }}}}'
                        ),
                    )
                )
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
        text = _('{error}: check the spelling against the list of placeholders.')
    elif isinstance(error, UnknownFilterError):
        text = _("{error}: remove it or use one of Liquid's standard filters.")
    elif isinstance(error, LiquidSyntaxError):
        text = _('{error}: every {open} needs its {close} and every {tag} its end.')
    elif isinstance(error, ResourceLimitError):
        text = _('{error}: the template does too much work; shorten its loops.')
    else:
        return TemplateError(part, str(error.message), line)
    return TemplateError(part, text.format(error=error.message, open='{{', close='}}', tag='{% tag %}'), line)


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
