"""The help Mailroom gives on a failure reads in Icelandic: every cause's what, why and fix, the provider's own steps,
the sending limits and the sign-in registration, worded when shown and never frozen in English at import."""

from __future__ import annotations

import pytest

from core.attachments import added_file, size_summary
from core.batch import address_problems
from core.causes import Cause, Explanation, explain
from core.email_log import Draft
from core.i18n import _, using_language
from core.message import MessageError
from core.oauth.providers import PROVIDER_LABELS, registration
from core.oauth.signins import SignIns
from core.oauth.values import OAuthFailure
from core.providers import ALL_PROVIDERS, DEFAULT_SENDING_LIMITS, SendingLimits, inbound_mx_advice

REDIRECT = 'http://127.0.0.1:8080/oauth/callback'


def test_auth_rejected_is_explained_in_icelandic_and_stays_english_outside_it() -> None:
    assert explain(Cause.AUTH_REJECTED).what == 'The server rejected the username or password.'
    with using_language('is'):
        said = explain(Cause.AUTH_REJECTED)
    assert said == Explanation(
        'Þjónninn hafnaði notandanafninu eða lykilorðinu.',
        'Notandanafnið, lykilorðið eða hvort tveggja er rangt, eða aðgangurinn leyfir ekki innskráningu úr '
        'póstforritum.',
        'Athugaðu notandanafnið (oft fullt netfang þitt) og lykilorðið; sumar tölvupóstþjónustur krefjast '
        'forritslykilorðs.',
    )


def test_the_server_reply_is_placed_in_the_icelandic_sentence() -> None:
    with using_language('is'):
        said = explain(Cause.AUTH_REJECTED, reply=' 535 5.7.8 Bad credentials ')
    assert said.fix.endswith('forritslykilorðs. (Svar þjónsins: 535 5.7.8 Bad credentials)')


def test_gmail_advice_comes_as_icelandic_numbered_steps() -> None:
    with using_language('is'):
        fix = explain(Cause.APP_PASSWORD_REQUIRED, host='smtp.gmail.com').fix
    assert fix.startswith('Búðu til forritslykilorð í öryggisstillingum aðgangsins þíns')
    assert 'Hjá Gmail: 1. Kveiktu á tveggja þrepa staðfestingu í stillingum Google-reikningsins þíns.' in fix
    assert '4. Stilltu SMTP-þjóninn á smtp.gmail.com og gáttina á 587 með STARTTLS.' in fix
    assert 'Google krefst forritslykilorða' in fix
    assert 'Turn on' not in fix and 'For Gmail' not in fix


def test_microsoft_advice_is_icelandic_for_a_mailbox_with_smtp_auth_off() -> None:
    with using_language('is'):
        said = explain(Cause.SMTP_AUTH_DISABLED, host='smtp.office365.com')
    assert said.what == 'Lokað er fyrir sendingar úr póstforritum (SMTP AUTH) fyrir þetta pósthólf eða fyrirtæki.'
    assert 'Hjá Microsoft 365: 1. Notaðu fullt vinnunetfang þitt sem notandanafn' in said.fix
    assert '2. Biddu kerfisstjórann að kveikja á Authenticated SMTP fyrir pósthólfið þitt' in said.fix
    assert 'Exchange Online sendir í mesta lagi 30 tölvupósta á mínútu' in said.fix


def test_the_step_and_the_http_protocol_keep_their_own_icelandic_words() -> None:
    with using_language('is'):
        greeting = explain(Cause.TLS_MODE_MISMATCH, step='greeting')
        http = explain(Cause.DNS_NOT_FOUND, http=True)
    assert greeting.fix == 'Stilltu Öryggi tengingar á SSL/TLS og haltu gáttinni óbreyttri.'
    assert http.what == 'Vélarheitið í slóð HTTP-þjónsins er ekki til.'


@pytest.mark.parametrize('cause', list(Cause))
@pytest.mark.parametrize('where', [{}, {'http': True}, {'step': 'greeting'}, {'step': 'tls'}])
def test_every_cause_reads_in_icelandic_wherever_it_happened(cause: Cause, where: dict[str, object]) -> None:
    english = explain(cause, **where)  # type: ignore[arg-type]
    with using_language('is'):
        icelandic = explain(cause, **where)  # type: ignore[arg-type]
    assert icelandic.what != english.what
    assert icelandic.why != english.why
    assert icelandic.fix != english.fix


def test_every_provider_card_text_has_icelandic() -> None:
    texts = [text for p in ALL_PROVIDERS for text in (p.username_hint, *p.steps, *p.notes)]
    with using_language('is'):
        untranslated = [text for text in texts if _(text) == text]
    assert untranslated == []


def test_an_mx_server_typed_as_the_smtp_server_is_explained_in_icelandic_with_its_names() -> None:
    with using_language('is'):
        advice = inbound_mx_advice('gmail-smtp-in.l.google.com')
    assert advice is not None
    assert advice.startswith(
        'gmail-smtp-in.l.google.com er þjónninn sem tekur við pósti á Gmail-netföng frá öðrum póstþjónum'
    )
    assert advice.endswith('Notaðu smtp.gmail.com, gátt 587 með STARTTLS í staðinn.')


def test_sending_limits_read_in_icelandic_with_its_plurals_and_number_format() -> None:
    with using_language('is'):
        assert SendingLimits(30, 2_000).describe() == '30 tölvupóstar á mínútu og 2.000 viðtakendur á dag'
        assert SendingLimits(21, None).describe() == '21 tölvupóstur á mínútu'
        assert SendingLimits(None, 1).describe() == '1 viðtakandi á dag'
        assert SendingLimits(None, None).describe() == 'engin mörk'
        assert _(DEFAULT_SENDING_LIMITS.source) == 'sjálfgildið fyrir aðra þjóna'
    assert SendingLimits(30, 2_000).describe() == '30 emails a minute and 2,000 recipients a day'


def test_the_app_registration_steps_are_icelandic_with_the_redirect_address_in_them() -> None:
    with using_language('is'):
        microsoft = registration('microsoft', REDIRECT)
        other = registration('other', REDIRECT)
        label = _(PROVIDER_LABELS['other'])
    assert microsoft.steps[1] == (
        f'Redirect URI: veldu „Public client/native (mobile & desktop)“ og límdu inn {REDIRECT}'
    )
    assert other.steps[0].startswith('Skráðu forrit hjá tölvupóstþjónustunni þinni') and REDIRECT in other.steps[0]
    assert label == 'Önnur OAuth-þjónusta'


async def test_a_sign_in_mailroom_is_not_waiting_for_is_refused_in_icelandic() -> None:
    with using_language('is'), pytest.raises(OAuthFailure) as refused:
        await SignIns().complete(f'{REDIRECT}?state=unknown&code=x')
    assert refused.value.cause is Cause.OAUTH_SIGN_IN_AGAIN
    assert refused.value.detail.startswith('Þetta er ekki innskráningin sem Mailroom bíður eftir')


def test_attachment_problems_and_sizes_are_told_in_icelandic() -> None:
    with using_language('is'):
        with pytest.raises(MessageError) as empty:
            added_file('reikningur.xml', b'')
        summary = size_summary([added_file('a.xml', b'x' * 3000)])
        problem = empty.value.problem  # worded where it is read: the page shows it at once
    assert problem == 'Skráin reikningur.xml er tóm (0 bæti): veldu skrána sem inniheldur efnið.'
    assert summary.startswith('1 viðhengi, ') and 'alls (um ' in summary


def test_a_batch_names_a_contact_without_an_address_in_icelandic() -> None:
    draft = Draft(to=(), subject='Reikningur 7', text_body='', html_body='', business_name='Acme ehf.')
    problems = address_problems(draft, 'Jón Jónsson')
    with using_language('is'):  # a batch keeps the problem and words it where it is shown
        shown = tuple(map(str, problems))
    assert shown == ('Jón Jónsson er ekki með netfang: bættu því við á síðunni Tengiliðir, eða slepptu þessu skjali.',)
