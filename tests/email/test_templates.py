"""Email templates: every document type has a default, typos are reported, customer text cannot inject markup."""

from __future__ import annotations

from datetime import date

import pytest

from core.documents.money import format_money
from core.sample_data import sample_business, sample_contacts, sample_documents
from core.templates import (
    DEFAULT_TEMPLATES,
    PLACEHOLDERS,
    EmailTemplate,
    TemplateError,
    context_for,
    default_template,
    render_email,
    sample_context,
    template_problems,
    template_type,
)


@pytest.mark.parametrize('document_type', ['sales_quote', 'sales_invoice', 'credit_note', 'purchase_order'])
def test_every_document_type_has_a_default_that_renders(document_type: str) -> None:
    rendered = render_email(DEFAULT_TEMPLATES[document_type], sample_context(document_type))
    assert 'Norðurljós Design' in rendered.subject
    assert 'Dear Þórður Ægisson ehf.' in rendered.text
    assert '<p>Dear Þórður Ægisson ehf.' in rendered.html
    assert template_problems(DEFAULT_TEMPLATES[document_type]) == []


def test_unknown_document_type_gets_a_generic_template() -> None:
    rendered = render_email(default_template('delivery_note'), sample_context('delivery_note'))
    assert rendered.subject == 'Delivery note INV-0042 from Norðurljós Design'


def test_every_placeholder_in_the_list_renders_its_example() -> None:
    body = '\n'.join(f'{{{{ {p.name} }}}}' for p in PLACEHOLDERS)
    rendered = render_email(EmailTemplate('s', body), sample_context())
    for placeholder in PLACEHOLDERS:
        if placeholder.name != 'document_type':
            assert placeholder.example in rendered.text


def test_markdown_body_becomes_html_with_a_plain_text_alternative() -> None:
    template = EmailTemplate('Hi', 'Total: **{{ total }}**\n\n- one\n- two')
    rendered = render_email(template, sample_context())
    assert '<strong>€1,240.00</strong>' in rendered.html
    assert '<li>one</li>' in rendered.html
    assert 'Total: **€1,240.00**' in rendered.text
    assert '<' not in rendered.text


def test_customer_text_cannot_inject_html_or_markdown() -> None:
    context = sample_context()
    context['recipient']['name'] = '<script>alert(1)</script> *Acme* [click](https://evil.example) # Big'
    rendered = render_email(EmailTemplate('For {{ recipient.name }}', 'Dear {{ recipient.name }}'), context)
    assert '<script>' not in rendered.html
    assert '&lt;script&gt;alert(1)&lt;/script&gt; *Acme* [click](https://evil.example) # Big' in rendered.html
    assert '<a ' not in rendered.html and '<em>' not in rendered.html and '<h1>' not in rendered.html
    assert rendered.text.startswith('Dear <script>alert(1)</script> *Acme*')


def test_raw_html_typed_into_the_template_is_shown_as_text() -> None:
    rendered = render_email(EmailTemplate('s', 'Hello <img src=x onerror=alert(1)>'), sample_context())
    assert '<img' not in rendered.html
    assert '&lt;img src=x onerror=alert(1)&gt;' in rendered.html


def test_subject_is_always_one_line() -> None:
    context = sample_context()
    context['reference'] = 'INV-1\r\nBcc: victim@example.com'
    rendered = render_email(EmailTemplate('Invoice {{ reference }}', 'x'), context)
    assert rendered.subject == 'Invoice INV-1 Bcc: victim@example.com'
    assert '\n' not in rendered.subject and '\r' not in rendered.subject


def test_a_misspelt_placeholder_is_reported_with_its_line_not_rendered_blank() -> None:
    with pytest.raises(TemplateError) as caught:
        render_email(EmailTemplate('Hi', 'Dear {{ recipient.name }},\n\nTotal {{ totl }}'), sample_context())
    assert caught.value.part == 'body'
    assert caught.value.line == 3
    assert 'totl' in str(caught.value) and 'placeholders' in str(caught.value)


def test_a_syntax_error_is_reported_in_plain_words() -> None:
    with pytest.raises(TemplateError) as caught:
        render_email(EmailTemplate('Invoice {{ reference ', 'x'), sample_context())
    assert caught.value.part == 'subject'
    assert 'every {{ needs its }}' in str(caught.value)


def test_problems_are_found_without_rendering() -> None:
    problems = template_problems(EmailTemplate('{{ refrence }}', 'ok {{ recipient.nme }} {% if %}'))
    messages = [str(p) for p in problems]
    assert any('refrence' in m and m.startswith('The subject') for m in messages)
    assert any(m.startswith('The body') for m in messages)


def test_templates_cannot_read_files_or_loop_forever() -> None:
    with pytest.raises(TemplateError, match='cannot include other files'):
        render_email(EmailTemplate('s', '{% include "/etc/passwd" %}'), sample_context())
    with pytest.raises(TemplateError, match='too much work'):
        render_email(EmailTemplate('s', '{% for i in (1..100000000) %}x{% endfor %}'), sample_context())


def test_a_document_without_a_due_date_reads_naturally() -> None:
    context = sample_context('sales_invoice') | {'due_date': None}
    rendered = render_email(DEFAULT_TEMPLATES['sales_invoice'], context)
    assert 'for €1,240.00.' in rendered.text and 'due on' not in rendered.text
    assert render_email(EmailTemplate('s', 'Due: {{ due_date }}.'), context).text == 'Due: .\n'


def test_a_documents_context_holds_what_its_pdf_prints() -> None:
    business = sample_business()
    contacts = {c.id: c for c in sample_contacts()}
    credit = next(d for d in sample_documents(date(2026, 11, 28)) if d.type.value == 'credit_note')
    context = context_for(credit, business, contacts[credit.contact_id])
    assert context['recipient'] == {
        'name': contacts[credit.contact_id].name,
        'email': contacts[credit.contact_id].emails[0],
    }
    assert context['document_type'] == 'Credit note'
    assert context['reference'] == credit.reference
    assert context['total'] == format_money(credit.total, credit.currency)
    assert context['due_date'] is None
    assert context['business']['name'] == business.name
    assert template_type(credit) == 'credit_note'


@pytest.mark.parametrize('tag', ['{% include "hi" %}', '{% render "hi" %}', '{%- include "/etc/passwd" -%}'])
def test_include_and_render_are_refused_in_plain_words_before_rendering(tag: str) -> None:
    name = tag.split()[1]
    problems = template_problems(EmailTemplate('Invoice', f'Dear customer,\n{tag}'))
    assert [str(p) for p in problems] == [
        f'The body (line 2): a template cannot include other files or templates: remove {{% {name} … %}} and write '
        'the text here instead.'
    ]
    with pytest.raises(TemplateError, match=f'remove {{% {name} … %}}'):
        render_email(EmailTemplate('Invoice', tag), sample_context())
