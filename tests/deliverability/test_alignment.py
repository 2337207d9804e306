"""DMARC's relaxed alignment: two names align when they belong to the same organisation (Public Suffix List)."""

from __future__ import annotations

import pytest

from core.deliverability.dmarc import aligned
from core.domains import registrable_domain


@pytest.mark.parametrize(
    ('signer', 'sender'),
    [
        ('bounce.example.co.uk', 'news.example.co.uk'),  # siblings under a two-label public suffix
        ('example.co.uk', 'mail.example.co.uk'),
        ('mail.shop.test', 'shop.test'),  # a suffix the list does not know counts its last label
        ('MAIL.Shop.Test.', 'shop.test'),
        ('smtp.office.home.arpa', 'office.home.arpa'),  # home.arpa is itself a public suffix
    ],
)
def test_names_of_one_organisation_align(signer: str, sender: str) -> None:
    assert aligned(signer, sender)


@pytest.mark.parametrize(
    ('signer', 'sender'),
    [
        ('example.co.uk', 'other.co.uk'),  # two owners under one public suffix
        ('alice.github.io', 'bob.github.io'),  # the list's private part: each name its own owner
        ('mailer.example.test', 'shop.test'),
    ],
)
def test_names_of_different_organisations_do_not_align(signer: str, sender: str) -> None:
    assert not aligned(signer, sender)


def test_the_registrable_domain_comes_from_the_bundled_list() -> None:
    assert registrable_domain('mx1.eu.mail.example.co.uk') == 'example.co.uk'
    assert registrable_domain('co.uk') == 'co.uk'
