"""The sample business a new data folder starts with."""

from __future__ import annotations

from datetime import date

from core.documents import DocumentType, validate_business, validate_contact, validate_document
from core.sample_data import sample_business, sample_contacts, sample_documents


def test_sample_is_valid_and_covers_every_document_type() -> None:
    contacts = {c.id: c for c in sample_contacts()}
    documents = sample_documents(date(2026, 11, 28))
    assert validate_business(sample_business()) == {}
    assert all(validate_contact(c) == {} for c in contacts.values())
    assert 18 <= len(documents) <= 25
    assert {d.type for d in documents} == set(DocumentType)
    for document in documents:
        taken = {d.reference for d in documents if d.type is document.type and d.id != document.id}
        assert validate_document(document, taken_references=taken, contacts=contacts) == {}


def test_every_sample_address_is_on_a_reserved_example_domain() -> None:
    addresses = [a for c in sample_contacts() for a in c.emails] + [sample_business().email]
    assert addresses
    assert all(a.rsplit('@', 1)[1].split('.')[-2:][0] == 'example' for a in addresses)


def test_sample_has_non_ascii_names_and_euro_amounts() -> None:
    assert any(c.name == 'Þórður Ægisson ehf.' for c in sample_contacts())
    assert sample_business().currency == 'EUR'
