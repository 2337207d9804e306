"""Documents and their emails in the contact's language: Babel's is_IS money and dates, Icelandic PDFs and templates,
and contacts, businesses and templates saved before languages existed."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.documents import BusinessProfile, Contact, ContactKind, Document, DocumentType, Line, build_statement
from core.documents.codec import business_from_dict, contact_from_dict, contact_to_dict
from core.documents.model import document_language
from core.documents.money import format_date, format_money
from core.i18n import using_language
from core.outbox import document_attachment, document_draft
from core.reminders.stages import ReminderSettings, default_stages
from core.templates import default_template
from storage.folder import DataFolder

BUSINESS = BusinessProfile(name='Norðurljós Ráðgjöf ehf.', email='reikningar@nordurljos.example.is', currency='ISK')
ICELANDIC = Contact('c-is', ContactKind.CUSTOMER, 'Kaffihús Guðrúnar', ('gudrun@example.is',), language='is')
ENGLISH = Contact('c-en', ContactKind.CUSTOMER, 'Nordic Office Supply Ltd.', ('orders@example.com',), language='en')
INVOICE = Document(
    id='inv',
    type=DocumentType.SALES_INVOICE,
    reference='INV-0042',
    contact_id='c-is',
    issue_date=date(2026, 3, 5),
    second_date=date(2026, 3, 19),
    lines=(Line('Ráðgjöf', Decimal(3), Decimal('411522.5'), Decimal(0)),),
    currency='ISK',
)


def pdf_text(pdf: bytes) -> str:
    """Babel keeps the amount and its currency together with a no-break space; read as a person does."""
    return '\n'.join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(NBSP, ' ')


NBSP = '\u00a0'


@pytest.mark.parametrize(
    ('amount', 'currency', 'locale', 'printed'),
    [
        ('1234567.5', 'ISK', 'is_IS', '1.234.568 kr.'),
        ('2.5', 'ISK', 'is_IS', '3 kr.'),  # half-up: Babel alone would print 2 kr.
        ('3.5', 'ISK', 'is_IS', '4 kr.'),
        ('-2.5', 'ISK', 'is_IS', '−3 kr.'),
        ('1234.5', 'EUR', 'is_IS', '1.234,50 EUR'),
        ('0.125', 'EUR', 'is_IS', '0,13 EUR'),
        ('1234567.5', 'ISK', 'en_GB', '1,234,568 ISK'),
        ('2.5', 'ISK', 'en_GB', '3 ISK'),
        ('1234.5', 'EUR', 'en_GB', '€1,234.50'),
    ],
)
def test_money_prints_in_the_locale_rounded_half_up(amount: str, currency: str, locale: str, printed: str) -> None:
    assert format_money(Decimal(amount), currency, locale).replace(NBSP, ' ') == printed


def test_money_and_dates_follow_the_current_language_when_no_locale_is_given() -> None:
    with using_language('is'):
        assert format_money(Decimal('1234567.5'), 'ISK') == f'1.234.568{NBSP}kr.'
        assert format_date(date(2026, 3, 5)) == '5. mars 2026'
    with using_language('en'):
        assert format_money(Decimal('1234567.5'), 'ISK') == '1,234,568 ISK'
        assert format_date(date(2026, 3, 5)) == '5 Mar 2026'


def test_an_icelandic_contact_gets_an_icelandic_pdf_with_icelandic_money_and_dates() -> None:
    text = pdf_text(document_attachment(INVOICE, BUSINESS, ICELANDIC).data)
    for expected in ('REIKNINGUR', 'Gjalddagi', 'Reikningsnúmer', 'Til greiðslu', '19. mars 2026', 'Síða 1 af 1'):
        assert expected in text
    assert '1.234.568 kr.' in text  # 3 × 411 522,50 = 1 234 567,50: half-up
    assert 'Due date' not in text and 'INVOICE' not in text


def test_an_english_contact_stays_english_when_the_business_is_icelandic() -> None:
    business = replace(BUSINESS, language='is')
    attachment = document_attachment(INVOICE, business, ENGLISH)
    text = pdf_text(attachment.data)
    for expected in ('INVOICE', 'Due date', '19 Mar 2026', '1,234,568 ISK', 'Page 1 of 1'):
        assert expected in text
    assert 'Gjalddagi' not in text
    assert attachment.filename == 'Sales Invoice INV-0042.pdf'


def test_an_icelandic_statement_and_its_file_name_are_in_icelandic() -> None:
    statement = build_statement(ICELANDIC, [INVOICE], date(2026, 1, 1), date(2026, 4, 30), 'ISK')
    attachment = document_attachment(statement, BUSINESS, None)
    text = pdf_text(attachment.data)
    for expected in ('REIKNINGSYFIRLIT', 'ALDURSGREINING', 'Upphafsstaða', '1.234.568 kr.', '30. apríl 2026'):
        assert expected in text
    assert attachment.filename.startswith('Reikningsyfirlit ')


def test_an_icelandic_contact_gets_the_icelandic_subject_and_body_with_icelandic_values() -> None:
    draft = document_draft(INVOICE, BUSINESS, ICELANDIC, default_template('sales_invoice', 'is'))
    assert draft.subject == 'Reikningur INV-0042 frá Norðurljós Ráðgjöf ehf.'
    assert 'Meðfylgjandi er reikningur INV-0042 að upphæð 1.234.568 kr. með gjalddaga 19. mars 2026.' in (
        draft.text_body.replace('**', '').replace(NBSP, ' ')
    )
    assert draft.text_body.rstrip().endswith('Norðurljós Ráðgjöf ehf.')


def test_an_english_contact_keeps_the_english_email() -> None:
    draft = document_draft(INVOICE, BUSINESS, ENGLISH, default_template('sales_invoice', 'en'))
    assert draft.subject == 'Invoice INV-0042 from Norðurljós Ráðgjöf ehf.'
    assert 'for 1,234,568 ISK, due on 19 Mar 2026.' in draft.text_body


def test_a_contact_saved_before_languages_loads_and_follows_the_business() -> None:
    old = {'id': 'c1', 'kind': 'customer', 'name': 'Þórður Ægisson ehf.', 'emails': ['thordur@example.is'], 'cc': []}
    contact = contact_from_dict(old)
    assert contact.language is None
    assert document_language(BusinessProfile(), contact) == 'en'
    assert document_language(BusinessProfile(language='is'), contact) == 'is'
    assert document_language(BusinessProfile(language='is'), replace(contact, language='en')) == 'en'
    assert contact_from_dict(contact_to_dict(replace(contact, language='is'))).language == 'is'
    assert business_from_dict({'name': 'Old business'}).language == 'en'


def test_templates_are_saved_per_language_and_an_old_saved_template_stays_the_english_one(tmp_path: Path) -> None:
    folder = DataFolder(tmp_path / 'data')
    try:
        table = folder.db.table('email_templates')
        table.insert({'document_type': 'sales_invoice', 'subject': 'Old {{ reference }}', 'body': 'Old body'})
        assert folder.templates.load('sales_invoice').subject == 'Old {{ reference }}'
        assert folder.templates.load('sales_invoice', 'is') == default_template('sales_invoice', 'is')
        assert not folder.templates.is_customised('sales_invoice', 'is')
        icelandic = replace(default_template('sales_invoice', 'is'), subject='Reikningurinn {{ reference }}')
        folder.templates.save('sales_invoice', icelandic, 'is')
        assert folder.templates.load('sales_invoice', 'is') == icelandic
        assert folder.templates.load('sales_invoice').subject == 'Old {{ reference }}'
        folder.templates.reset('sales_invoice', 'is')
        assert folder.templates.load('sales_invoice', 'is') == default_template('sales_invoice', 'is')
        assert folder.templates.load('sales_invoice').subject == 'Old {{ reference }}'
    finally:
        folder.close()


def test_every_default_template_and_reminder_exists_in_icelandic() -> None:
    for kind in ('sales_quote', 'sales_invoice', 'credit_note', 'purchase_order', 'customer_statement'):
        english, icelandic = default_template(kind, 'en'), default_template(kind, 'is')
        assert icelandic != english and ' frá ' in icelandic.subject and 'Með kveðju' in icelandic.body
    for stage in default_stages():
        assert 'Góðan dag' in stage.template_in('is').body and stage.template_in('en') == stage.template


def test_a_reminder_saved_before_languages_gets_the_icelandic_default_and_a_custom_one_keeps_its_text() -> None:
    old = {'enabled': True, 'stages': [{'id': 'first', 'days': 3, 'subject': 'Reminder', 'body': 'Pay'}]}
    [stage] = ReminderSettings.from_dict(old).stages
    assert stage.template_in('is').subject.startswith('Áminning: reikningur')
    assert stage.template_in('en').subject == 'Reminder'
    texts = {'is': {'subject': 'Greiddu', 'body': 'Takk'}}
    custom = {'id': 'mine', 'days': 3, 'subject': 'Reminder', 'body': 'Pay', 'texts': texts}
    [saved] = ReminderSettings.from_dict(ReminderSettings.from_dict({'stages': [custom]}).to_dict()).stages
    assert saved.template_in('is').subject == 'Greiddu'
