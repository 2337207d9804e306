"""What the settings, the address rule, the email widgets and the data folder say, in Icelandic when asked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core import addresses
from core.delivery import Delivery, RecipientOutcome
from core.i18n import using_language
from core.settings import EmailSettings, Protocol, SavedSecret, SecretUnavailable, Security, port_explanation, validate
from storage.folder import DataFolder
from storage.secrets import DataFileError
from ui.components import local_time, not_sent_line
from ui.shown_text import length_problem


def test_validation_messages_are_icelandic_in_icelandic() -> None:
    settings = EmailSettings(host='', port=0, username='office', security=Security.NONE, bcc_enabled=True)
    with using_language('is'):
        errors = validate(settings)
    assert errors == {
        'host': 'Sláðu inn heiti SMTP-þjónsins, til dæmis smtp.gmail.com.',
        'port': 'Gáttin er tala frá 1 til 65535; yfirleitt 465 eða 587.',
        'email': 'Notandanafnið þitt er ekki netfang: sláðu inn netfangið sem þú sendir frá.',
        'password': 'Sláðu inn lykilorðið (fyrir Gmail, Yahoo og iCloud: forritslykilorð).',
        'security': ('Staðfestu að þú samþykkir að lykilorðið og pósturinn séu send ódulkóðuð, eða veldu dulkóðun.'),
        'bcc': 'Sláðu inn netfangið sem á að fá afrit, eða taktu hakið af valkostinum.',
    }
    http = EmailSettings(protocol=Protocol.HTTP, http_server='http://email.example.com', reply_to='')
    with using_language('is'):
        assert validate(http) == {'reply_to': 'Sláðu inn netfangið sem svör við tölvupóstinum þínum eiga að berast á.'}
        assert port_explanation(2525) == 'Sérvalin gátt: spyrðu tölvupóstþjónustuna hvaða öryggi hún gerir ráð fyrir.'
    assert validate(http)['reply_to'] == 'Enter the address where replies to your emails should arrive.'


def test_a_saved_secret_that_may_not_be_used_is_explained_in_icelandic() -> None:
    with using_language('is'):
        other = SecretUnavailable('password', SavedSecret.OTHER_CONNECTION, 'smtp.example.com gátt 587 (STARTTLS)')
        unreadable = SecretUnavailable('http_token', SavedSecret.UNREADABLE, 'https://email.example.com')
    assert str(other) == (
        'Vistaða lykilorðið var vistað fyrir aðra tengingu og er því ekki sent til smtp.example.com gátt 587 '
        '(STARTTLS): sláðu lykilorðið inn aftur.'
    )
    assert str(unreadable).startswith('Ekki er lengur hægt að lesa vistaða aðgangstókann')


def test_address_problems_and_warnings_are_icelandic_in_icelandic() -> None:
    with using_language('is'):
        assert addresses.problem('') == 'Sláðu inn netfang.'
        assert addresses.problem('Jón <jon@example.com>', name_allowed=False) == (
            'Sláðu aðeins inn netfangið (jon@example.com) hér, án nafns.'
        )
        assert addresses.problem('nobody@example.invalid') == (
            '„nobody@example.invalid“ endar á .invalid, heiti sem er frátekið fyrir netföng sem eru aldrei til: '
            'enginn póstur kemst þangað.'
        )
        assert addresses.list_problem('', required=True) == 'Sláðu inn að minnsta kosti eitt netfang.'
        assert addresses.problem('office') == '„office“ er ekki gilt netfang: Netfang verður að innihalda @-merki.'
        assert addresses.problem('a b@example.com') == (
            '„a b@example.com“ er ekki gilt netfang: Netfangið inniheldur ógilda stafi á undan @-merkinu: SPACE.'
        )
        (note,) = addresses.warnings([addresses.parse('jörg@example.de')])
    assert note.startswith('jörg@example.de hefur stafi utan enska stafrófsins á undan @')


def test_a_refused_recipient_and_a_time_are_worded_in_icelandic() -> None:
    refused = RecipientOutcome('anna@example.com', Delivery.REFUSED, '550 5.1.1 No such user')
    with using_language('is'):
        line = not_sent_line(refused)
        shown = local_time(datetime(2026, 5, 15, 12, 0, tzinfo=UTC))
        too_long = length_problem('x' * 100_001)
    assert line == 'Ekki sent á anna@example.com: þjónninn hafnaði þessu netfangi (550 5.1.1 No such user).'
    assert ' maí 2026 ' in shown
    assert too_long is not None and too_long.startswith('Þessi texti er lengri en 100.000 stafir')
    assert ' May 2026 ' in local_time(datetime(2026, 5, 15, 12, 0, tzinfo=UTC))


def test_a_damaged_data_file_is_named_in_the_terminals_language(tmp_path: Path) -> None:
    folder = tmp_path / 'data'
    folder.mkdir()
    (folder / 'mailroom.json').write_text('{not json')
    with using_language('is'), pytest.raises(DataFileError) as raised:
        DataFolder(folder)
    assert str(raised.value).startswith(f'Stillingaskráin {folder / "mailroom.json"} er skemmd')
