"""The sample business a new data folder starts with, unless it is started empty."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core.sample_data import sample_business, sample_contacts, sample_documents

if TYPE_CHECKING:
    from storage.folder import DataFolder


def seed_sample_data(folder: DataFolder, *, empty: bool = False, today: date | None = None) -> bool:
    """Call on every start: the first start gives the folder the sample business (or nothing, with `empty`).

    Either way the folder remembers it was set up, so a folder started empty stays empty and deleted sample data
    never comes back. Returns whether the sample was added.
    """
    if folder.business.is_set_up():
        return False
    has_data = folder.business.load() is not None or folder.contacts.all() or folder.documents.count()
    seeded = not empty and not has_data
    if seeded:
        folder.business.save(sample_business())
        for contact in sample_contacts():
            folder.contacts.save(contact)
        folder.documents.save_many(sample_documents(today or date.today()))
    folder.business.mark_set_up()
    return seeded
