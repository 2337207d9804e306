"""The EHLO name: the same rule for the settings test and for real sending."""

from __future__ import annotations

import pytest

from core.ehlo import ehlo_name


@pytest.mark.parametrize(
    ('fqdn', 'local_ip', 'expected'),
    [
        ('office-pc.example.com', '192.0.2.7', 'office-pc.example.com'),
        ('vm', '192.0.2.7', '[192.0.2.7]'),
        ('localhost.localdomain', '127.0.0.1', '[127.0.0.1]'),
        ('', '2001:db8::7', '[IPv6:2001:db8::7]'),
        ('bad_name.example.com', None, '[127.0.0.1]'),
    ],
)
def test_ehlo_name_is_an_fqdn_or_an_address_literal(fqdn: str, local_ip: str | None, expected: str) -> None:
    assert ehlo_name(fqdn, local_ip) == expected
