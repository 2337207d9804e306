"""A contact's To and default Cc addresses: stored, loaded from older rows without changing who receives what,
checked by the one address rule, edited on the contacts page, and used by the core draft builder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from nicegui.testing import User

from core.documents.codec import contact_from_dict, contact_to_dict
from core.documents.model import Contact, ContactKind, DocumentType
from core.documents.validation import validate_contact
from core.outbox import document_draft
from core.sample_data import sample_business, sample_contacts, sample_documents
from core.templates import default_template
from storage.folder import DataFolder
from storage.sample import seed_sample_data
from ui.services import Services

CUSTOMER = Contact(
    'c1',
    ContactKind.CUSTOMER,
    'Þórður Ægisson ehf.',
    ('thordur@example.is', 'anna@example.is'),
    cc=('bokhald@example.is',),
)


def test_to_and_cc_survive_a_restart(tmp_path: Path) -> None:
    folder = DataFolder(tmp_path / 'data')
    folder.contacts.save(CUSTOMER)
    folder.close()
    again = DataFolder(tmp_path / 'data')
    assert again.contacts.get('c1') == CUSTOMER
    again.close()


def test_an_older_row_keeps_its_extra_addresses_but_never_emails_them() -> None:
    """Before To and Cc, documents went to the first address only: loading such a row changes no recipient."""
    old_row = {'id': 'c1', 'kind': 'customer', 'name': 'Old Ltd', 'emails': ['first@example.is', 'second@example.is']}
    contact = contact_from_dict(old_row)
    assert (contact.emails, contact.cc, contact.other_emails) == (('first@example.is',), (), ('second@example.is',))
    assert contact_from_dict(contact_to_dict(contact)) == contact


def test_every_cc_address_is_checked_by_the_address_rule() -> None:
    errors = validate_contact(Contact('c1', ContactKind.CUSTOMER, 'X', ('a@example.is',), cc=('books@example..is',)))
    assert errors['cc'].startswith('"books@example..is" is not a valid email address')


def test_the_draft_goes_to_every_to_address_with_the_default_cc_in_one_email() -> None:
    invoice = next(d for d in sample_documents(date(2026, 11, 28)) if d.type is DocumentType.SALES_INVOICE)
    draft = document_draft(invoice, sample_business(), CUSTOMER, default_template('sales_invoice'))
    assert (draft.to, draft.cc) == (('thordur@example.is', 'anna@example.is'), ('bokhald@example.is',))


def test_addresses_chosen_in_place_of_the_contacts_replace_its_cc_too() -> None:
    invoice = next(d for d in sample_documents(date(2026, 11, 28)) if d.type is DocumentType.SALES_INVOICE)
    draft = document_draft(invoice, sample_business(), CUSTOMER, default_template('sales_invoice'), to=['x@example.is'])
    assert (draft.to, draft.cc) == (('x@example.is',), ())


def test_the_sample_customer_copies_its_bookkeeper() -> None:
    thordur = next(c for c in sample_contacts() if c.name.startswith('Þórður'))
    assert (thordur.emails, thordur.cc) == (('thordur@example.is',), ('bokhald@example.is',))


async def save_new_customer(user: User, services: Services, name: str, to: str, cc: str) -> None:
    """Type a new customer's name, To and Cc addresses on the contacts page, then press Save."""
    seed_sample_data(services.folder)
    await user.open('/contacts/new/customer')
    user.find(marker='name').type(name)
    user.find(marker='emails').type(to)
    user.find(marker='cc').type(cc)
    user.find(marker='save').click()


async def test_the_contact_editor_saves_to_and_cc_addresses(app_user: User, services: Services) -> None:
    await save_new_customer(
        app_user, services, 'Two Desks Ltd', 'anna@example.is\nbjorn@example.is', '"Books, The" <books@example.is>'
    )
    await app_user.should_see('Two Desks Ltd saved.')
    created = next(c for c in services.folder.contacts.all() if c.name == 'Two Desks Ltd')
    assert created.emails == ('anna@example.is', 'bjorn@example.is')
    assert created.cc == ('"Books, The" <books@example.is>',)
    await app_user.should_see('Cc')  # the contact's own page lists them
    await app_user.should_see('"Books, The" <books@example.is>')


async def test_a_wrong_cc_address_is_named_and_nothing_is_saved(app_user: User, services: Services) -> None:
    await save_new_customer(app_user, services, 'Typo Ltd', 'anna@example.is', 'books@example..is')
    await app_user.should_see('Not saved. Cc (optional; copied on every email): "books@example..is"')
    assert all(c.name != 'Typo Ltd' for c in services.folder.contacts.all())


async def test_an_older_contacts_extra_addresses_are_shown_as_not_emailed(app_user: User, services: Services) -> None:
    seed_sample_data(services.folder)
    old = contact_from_dict({'id': 'old', 'kind': 'customer', 'name': 'Old Ltd', 'emails': ['a@x.is', 'b@x.is']})
    services.folder.contacts.save(old)
    await app_user.open('/contacts/old/edit')
    await app_user.should_see(marker='other-emails-note')
    app_user.find(marker='other_emails').clear()
    app_user.find(marker='cc').type('b@x.is')
    app_user.find(marker='save').click()
    await app_user.should_see('Old Ltd saved.')
    saved = services.folder.contacts.get('old')
    assert saved is not None and (saved.emails, saved.cc, saved.other_emails) == (('a@x.is',), ('b@x.is',), ())
