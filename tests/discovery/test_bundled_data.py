"""The bundled ISPDB snapshot: present with its MPL-2.0 notice, indexed, and read through the one XML reader."""

from __future__ import annotations

import json

from core.discovery import ispdb
from core.discovery.config_xml import parse_client_config
from core.discovery.model import UsernameForm
from core.discovery.proposals import fill_username
from core.settings import Security


def test_every_indexed_file_is_bundled_and_the_mpl_notice_is_beside_them() -> None:
    index = json.loads(ispdb.INDEX_FILE.read_text(encoding='utf-8'))
    assert index['license'] == 'MPL-2.0' and len(index['commit']) == 40
    assert len(index['domains']) > 900
    assert all((ispdb.ISPDB_DIR / name).is_file() for name in set(index['domains'].values()))
    assert ispdb.LICENSE_FILE.read_text(encoding='utf-8').startswith('Mozilla Public License Version 2.0')
    assert 'Mozilla Public License' in (ispdb.ISPDB_DIR / 'README.md').read_text(encoding='utf-8')


def test_a_bundled_domain_gives_its_outgoing_server() -> None:
    found = ispdb.lookup('web.de')
    assert found is not None
    file_name, config = found
    assert file_name == 'web.de.xml'
    assert (config.servers[0].host, config.servers[0].port, config.servers[0].security) == (
        'smtp.web.de',
        465,
        Security.SSL,
    )


def test_an_unknown_domain_is_not_in_the_snapshot() -> None:
    assert ispdb.lookup('shop.test') is None


def test_oauth_only_servers_are_marked_and_their_issuer_kept() -> None:
    found = ispdb.lookup('office365.com')
    assert found is not None
    _, config = found
    assert config.servers[0].oauth_only and config.oauth_issuer == 'login.microsoftonline.com'


def test_plain_text_servers_are_left_out() -> None:
    data = b"""<clientConfig version="1.1"><emailProvider id="p.test">
    <outgoingServer type="smtp">
      <hostname>a.p.test</hostname><port>25</port><socketType>plain</socketType>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>b.p.test</hostname><port>465</port><socketType>SSL</socketType>
    </outgoingServer>
    </emailProvider></clientConfig>"""
    assert [s.host for s in parse_client_config(data).servers] == ['b.p.test']


def test_username_placeholders_are_filled_for_the_address() -> None:
    address = 'anna@shop.test'
    assert fill_username('%EMAILADDRESS%', address) == (UsernameForm.FULL_ADDRESS, address)
    assert fill_username('%EMAILLOCALPART%', address) == (UsernameForm.LOCAL_PART, 'anna')
    assert fill_username('%EMAILLOCALPART%.%EMAILDOMAIN%', address) == (UsernameForm.OTHER, 'anna.shop.test')
    assert fill_username('', address) == (UsernameForm.FULL_ADDRESS, address)
