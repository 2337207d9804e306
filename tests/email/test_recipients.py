"""Sent means every To and Cc recipient was accepted: real SMTP servers on 127.0.0.1 refusing some recipients."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from core.delivery import Delivery
from core.email_log import EmailRecord, EmailStatus, filter_records
from core.message import Attachment, OutgoingMessage
from core.settings import Security
from core.transport.smtp import SmtpTransport
from tests.email.conftest import FakeClock, make_draft, outbox_on, smtp_settings, submission_server
from tests.support.certs import TestPKI
from tests.support.smtp_servers import ReceivedMessage, SmtpServerOptions, smtp_server

PDF = Attachment('Sales Invoice INV-0042.pdf', 'application/pdf', b'%PDF-1.7 fake')
CUSTOMER = 'thordur@example.is'
BOOKKEEPER = 'bookkeeper@example.is'
COPY = 'archive@nordurljos.example'
COLLEAGUES = tuple(f'colleague{n}@example.is' for n in range(6))
UNKNOWN_USER = '550 5.1.1 <bookkeeper@example.is>: Recipient address rejected: User unknown'


def outcomes(record: EmailRecord) -> dict[str, tuple[Delivery, bool]]:
    return {o.address: (o.delivery, o.blind) for o in record.outcomes}


def message_ids(messages: list[ReceivedMessage]) -> set[bytes]:
    return {next(line for line in m.content.splitlines() if line.startswith(b'Message-ID:')) for m in messages}


async def test_one_refused_cc_makes_the_email_partly_sent_and_retry_sends_only_to_it(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    options = replace(submission_server(pki), refuse={BOOKKEEPER: UNKNOWN_USER})
    async with outbox_on(options, clock) as (server, outbox, sent):
        record = await outbox.send(make_draft(), [PDF])

        assert record.status is EmailStatus.PARTLY_SENT
        assert record.sent_at is None and sent == []
        assert not filter_records(outbox.log.all(), status=EmailStatus.SENT, document_id='doc-42')
        assert outcomes(record) == {
            CUSTOMER: (Delivery.ACCEPTED, False),
            BOOKKEEPER: (Delivery.REFUSED, False),
            COPY: (Delivery.ACCEPTED, True),
        }
        [refused] = record.not_accepted
        assert refused.reply == UNKNOWN_USER
        assert (record.step, record.cause, record.transient) == ('rcpt', 'recipient-rejected', False)
        clock.advance(3600)
        assert await outbox.run_due() == []  # a permanent refusal waits for the user

        options.refuse.clear()  # the bookkeeper's mailbox now exists
        outbox.retry(record.id)
        [retried] = await outbox.run_due()

    assert retried.status is EmailStatus.SENT
    assert sent == [retried]
    first, second = server.recorder.messages
    assert sorted(first.rcpt_tos) == [COPY, CUSTOMER]
    assert second.rcpt_tos == (BOOKKEEPER,)  # not the customer or the copy a second time
    assert len(message_ids([first, second])) == 1  # the same message, headers and all
    assert b'Cc: bookkeeper@example.is' in second.content


async def test_refusing_the_customer_but_accepting_the_copy_is_failed_and_the_document_not_sent(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    options = replace(submission_server(pki), refuse={CUSTOMER: '550 5.1.1 No such user'})
    async with outbox_on(options, clock) as (server, outbox, sent):
        record = await outbox.send(make_draft(cc=()), [PDF])
        options.refuse.clear()
        outbox.retry(record.id)
        [retried] = await outbox.run_due()

    assert record.status is EmailStatus.FAILED
    assert record.sent_at is None
    assert record.accepted == ()
    assert outcomes(record) == {CUSTOMER: (Delivery.REFUSED, False), COPY: (Delivery.ACCEPTED, True)}
    assert record.reply == '550 5.1.1 No such user'
    assert [r.rcpt_tos for r in server.recorder.messages] == [(COPY,), (CUSTOMER,)]
    assert retried.status is EmailStatus.SENT and sent == [retried]


async def test_over_the_servers_recipient_limit_the_rest_go_in_further_transactions(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    async with outbox_on(replace(submission_server(pki), rcpt_limit=3), clock) as (server, outbox, sent):
        record = await outbox.send(make_draft(cc=COLLEAGUES), [PDF])

    everyone = [CUSTOMER, *COLLEAGUES, COPY]
    delivered = [address for message in server.recorder.messages for address in message.rcpt_tos]
    assert sorted(delivered) == sorted(everyone)  # each exactly once
    assert [len(m.rcpt_tos) for m in server.recorder.messages] == [3, 3, 2]
    assert len(message_ids(server.recorder.messages)) == 1
    assert record.status is EmailStatus.SENT and sent == [record]
    assert all(o.accepted for o in record.outcomes)


async def test_a_limit_per_connection_leaves_the_rest_to_the_outbox_and_nothing_is_marked_sent_early(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    colleagues = COLLEAGUES[:4]
    async with outbox_on(replace(submission_server(pki), session_rcpt_limit=3), clock) as (server, outbox, sent):
        record = await outbox.send(make_draft(cc=colleagues), [PDF])

        assert record.status is EmailStatus.QUEUED
        assert record.sent_at is None and sent == []
        assert record.next_try_at == clock.now + timedelta(minutes=1)
        assert [o.address for o in record.outcomes if o.delivery is Delivery.DEFERRED] == [*colleagues[2:], COPY]
        assert record.not_accepted[0].reply.startswith('452 4.5.3')

        clock.advance(60)
        [retried] = await outbox.run_due()

    assert retried.status is EmailStatus.SENT and sent == [retried]
    assert [m.rcpt_tos for m in server.recorder.messages] == [(CUSTOMER, *colleagues[:2]), (*colleagues[2:], COPY)]


async def test_a_temporarily_refused_recipient_is_retried_by_the_outbox_with_the_same_backoff(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    options = replace(submission_server(pki), refuse={BOOKKEEPER: '450 4.2.0 <bookkeeper@example.is>: Greylisted'})
    async with outbox_on(options, clock) as (server, outbox, sent):
        record = await outbox.send(make_draft(), [PDF])
        assert record.status is EmailStatus.QUEUED
        assert (record.step, record.transient) == ('rcpt', True)
        assert record.next_try_at == clock.now + timedelta(minutes=1)
        assert outcomes(record)[BOOKKEEPER] == (Delivery.DEFERRED, False)
        assert sent == []

        clock.advance(59)
        assert await outbox.run_due() == []
        options.refuse.clear()
        clock.advance(1)
        [retried] = await outbox.run_due()

    assert retried.status is EmailStatus.SENT and retried.tries == 2
    assert sent == [retried]
    assert [m.rcpt_tos for m in server.recorder.messages] == [(CUSTOMER, COPY), (BOOKKEEPER,)]


async def test_temporary_refusals_that_outlast_the_tries_end_partly_sent(clock: FakeClock) -> None:
    options = SmtpServerOptions(refuse={BOOKKEEPER: '450 4.2.0 Mailbox busy'})
    plain = {'security': Security.NONE, 'allow_plaintext': True, 'password': ''}
    async with outbox_on(options, clock, **plain) as (server, outbox, sent):
        record = await outbox.send(make_draft(), [PDF])
        while record.status is EmailStatus.QUEUED:
            assert record.next_try_at is not None
            clock.now = record.next_try_at
            [record] = await outbox.run_due()

    assert record.status is EmailStatus.PARTLY_SENT and record.tries == 4
    assert record.accepted == (CUSTOMER,)
    assert sent == []
    assert [m.rcpt_tos for m in server.recorder.messages] == [(CUSTOMER, COPY)]  # never the bookkeeper


async def test_the_smtp_receipt_names_each_recipients_outcome(clock: FakeClock) -> None:
    options = SmtpServerOptions(refuse={'b@example.is': '550 5.1.1 No such user', 'c@example.is': '451 4.3.0 Later'})
    async with smtp_server(options) as server:
        settings = smtp_settings(port=server.port, security=Security.NONE, allow_plaintext=True, password='')
        message = OutgoingMessage('me@example.is', ('a@example.is', 'b@example.is'), 'Hello', cc=('c@example.is',))
        receipt = await SmtpTransport(settings, timeout=5).send(message)
    assert [(o.address, o.delivery, o.reply) for o in receipt.recipients] == [
        ('a@example.is', Delivery.ACCEPTED, '250 2.0.0 Ok: queued as TEST123'),
        ('b@example.is', Delivery.REFUSED, '550 5.1.1 No such user'),
        ('c@example.is', Delivery.DEFERRED, '451 4.3.0 Later'),
    ]
    assert receipt.accepted == ('a@example.is',)


async def test_a_copy_the_server_takes_only_later_is_retried_while_the_document_already_counts_as_sent(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    async with outbox_on(replace(submission_server(pki), session_rcpt_limit=2), clock) as (server, outbox, sent):
        record = await outbox.send(make_draft(), [PDF])
        assert record.status is EmailStatus.QUEUED  # for the copy only
        assert record.accepted == (CUSTOMER, BOOKKEEPER)
        assert record.sent_at == clock.now and sent == [record]  # the customer and the Cc have it: Sent
        assert outcomes(record)[COPY] == (Delivery.DEFERRED, True)
        clock.advance(60)
        [retried] = await outbox.run_due()

    assert retried.status is EmailStatus.SENT
    assert retried.sent_at == record.sent_at and len(sent) == 1
    assert [m.rcpt_tos for m in server.recorder.messages] == [(CUSTOMER, BOOKKEEPER), (COPY,)]


async def test_fifteen_hundred_recipients_and_a_limit_of_a_thousand_all_arrive_once(clock: FakeClock) -> None:
    everyone = tuple(f'customer{n}@example.is' for n in range(1500))
    async with smtp_server(SmtpServerOptions(rcpt_limit=1000)) as server:
        settings = smtp_settings(port=server.port, security=Security.NONE, allow_plaintext=True, password='')
        message = OutgoingMessage('me@example.is', everyone[:1], 'Newsletter', bcc=everyone[1:])
        receipt = await SmtpTransport(settings, timeout=30).send(message)
    assert [len(m.rcpt_tos) for m in server.recorder.messages] == [1000, 500]
    assert sorted(a for m in server.recorder.messages for a in m.rcpt_tos) == sorted(everyone)
    assert len(receipt.accepted) == 1500 and receipt.refused == {}


async def test_a_sender_refusal_given_at_rcpt_stays_about_the_sender_not_the_recipients(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    reply = '553 5.7.1 <owner@nordurljos.example>: Sender address rejected: not owned by user owner@nordurljos.example'
    async with outbox_on(replace(submission_server(pki), rcpt_reply=reply), clock) as (server, outbox, sent):
        for n in range(2):
            outbox.enqueue(make_draft(document_id=f'doc-{n}'), [PDF])
        results = await outbox.run_due()
    assert [(r.status, r.step, r.cause) for r in results] == [(EmailStatus.FAILED, 'mail', 'sender-rejected')] * 2
    assert server.recorder.commands.count('MAIL') == 1  # the second email was not tried against the same refusal
    assert sent == []
