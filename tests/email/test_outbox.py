"""The outbox with the in-memory transport: states, retries with backoff, resume after a crash, blind copies."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

from core.causes import Cause, Failure, Step
from core.email_log import EmailRecord, EmailStatus, MemoryEmailLog, filter_records
from core.message import Attachment
from core.outbox import Outbox, Stage
from core.settings import EmailSettings
from core.transport.base import TransportError
from core.transport.memory import MemoryTransport
from tests.email.conftest import FakeClock, make_draft, smtp_settings
from tests.support.waiting import wait_until

PDF = Attachment('Sales Invoice INV-0042.pdf', 'application/pdf', b'%PDF-1.7 fake')


def disconnected() -> TransportError:
    return TransportError('data', Cause.SERVER_DISCONNECTED, detail='Connection lost')


def rejected() -> TransportError:
    return TransportError('rcpt', Cause.RECIPIENT_REJECTED, reply_code=550, reply_text='5.1.1 No such user')


class Rig:
    """An outbox wired to a memory log and a memory transport, with settings a test can change."""

    def __init__(self, clock: FakeClock, transport: MemoryTransport | None = None) -> None:
        self.transport = transport or MemoryTransport()
        self.log = MemoryEmailLog()
        self.settings: EmailSettings | None = smtp_settings()
        self.marked_sent: list[EmailRecord] = []
        self.outbox = Outbox(
            self.log,
            lambda: self.settings,
            lambda _settings: self.transport,
            clock=clock,
            sleep=clock.sleep,
            on_sent=self.marked_sent.append,
        )


async def test_send_records_sent_with_message_id_and_server_reply(clock: FakeClock) -> None:
    rig = Rig(clock)
    stages: list[Stage] = []
    record = await rig.outbox.send(make_draft(), [PDF], stages.append)
    assert record.status is EmailStatus.SENT
    assert record.tries == 1
    assert record.message_id.startswith('<') and record.message_id.endswith('@nordurljos.example>')
    assert record.reply == '250 queued as mem-1'
    assert record.sent_at == clock.now
    assert stages == [Stage.CONNECTING, Stage.SENDING, Stage.SENT]
    assert rig.marked_sent == [record]
    assert rig.log.get(record.id) == record
    assert rig.log.attachments(record.id) == ()  # the queued copy of the PDF is gone once sent


async def test_copy_address_is_a_blind_copy_and_reply_to_follows_the_settings(clock: FakeClock) -> None:
    rig = Rig(clock)
    await rig.outbox.send(make_draft(bcc=('partner@example.is',)), [PDF])
    built = rig.transport.delivered[0].built
    assert built.mime['From'] == 'Norðurljós Design <owner@nordurljos.example>'
    assert built.mime['Reply-To'] == 'accounts@nordurljos.example'
    assert built.mime['Bcc'] is None
    assert built.envelope_recipients == [
        'thordur@example.is',
        'bookkeeper@example.is',
        'partner@example.is',
        'archive@nordurljos.example',
    ]
    [attachment] = list(built.mime.iter_attachments())
    assert attachment.get_filename() == 'Sales Invoice INV-0042.pdf'
    assert attachment.get_content() == PDF.data


async def test_transient_failure_is_retried_after_a_minute_and_ends_sent(clock: FakeClock) -> None:
    rig = Rig(clock, MemoryTransport([disconnected()]))
    stages: list[Stage] = []
    record = await rig.outbox.send(make_draft(), [PDF], stages.append)
    assert record.status is EmailStatus.QUEUED
    assert (record.cause, record.step, record.transient) == ('server-disconnected', 'data', True)
    assert record.next_try_at == clock.now + timedelta(minutes=1)
    assert stages[-1] is Stage.QUEUED
    assert rig.marked_sent == []

    clock.advance(59)
    assert await rig.outbox.run_due() == []
    clock.advance(1)
    [retried] = await rig.outbox.run_due()
    assert retried.status is EmailStatus.SENT
    assert retried.tries == 2
    assert retried.cause == '' and retried.reply == '250 queued as mem-1'
    assert retried.message_id == record.message_id  # the same message, not a new one
    [attachment] = list(rig.transport.delivered[0].built.mime.iter_attachments())
    assert attachment.get_filename() == PDF.filename
    assert filter_records(rig.log.all(), status=EmailStatus.SENT, document_id='doc-42')


async def test_backoff_is_one_five_thirty_minutes_then_the_email_waits_for_the_user(clock: FakeClock) -> None:
    rig = Rig(clock, MemoryTransport([disconnected() for _ in range(4)]))
    record = await rig.outbox.send(make_draft(), [PDF])
    waits = []
    while record.status is EmailStatus.QUEUED:
        assert record.next_try_at is not None
        waits.append(record.next_try_at - clock.now)
        clock.now = record.next_try_at
        [record] = await rig.outbox.run_due()
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30)]
    assert record.status is EmailStatus.FAILED
    assert record.tries == 4
    assert record.cause == 'server-disconnected'
    assert rig.outbox.next_due_in() is None
    assert rig.log.attachments(record.id) == (PDF,)  # kept for the user's retry


async def test_permanent_failure_fails_at_once_and_the_document_is_not_marked_sent(clock: FakeClock) -> None:
    rig = Rig(clock, MemoryTransport([rejected()]))
    record = await rig.outbox.send(make_draft(), [PDF])
    assert record.status is EmailStatus.FAILED
    assert (record.step, record.cause, record.reply) == ('rcpt', 'recipient-rejected', '550 5.1.1 No such user')
    assert 'refused the recipient address' in record.explanation
    assert record.next_try_at is None
    assert rig.marked_sent == []
    assert not filter_records(rig.log.all(), status=EmailStatus.SENT, document_id='doc-42')
    clock.advance(3600)
    assert await rig.outbox.run_due() == []


async def test_user_retry_after_fixing_the_problem_sends_with_the_current_settings(clock: FakeClock) -> None:
    rig = Rig(clock, MemoryTransport([rejected()]))
    failed = await rig.outbox.send(make_draft(), [PDF])
    rig.settings = smtp_settings(username='billing@nordurljos.example')
    queued = rig.outbox.retry(failed.id)
    assert (queued.status, queued.tries) == (EmailStatus.QUEUED, 0)
    [sent] = await rig.outbox.run_due()
    assert sent.status is EmailStatus.SENT
    assert rig.transport.delivered[0].built.envelope_from == 'billing@nordurljos.example'
    assert rig.marked_sent == [sent]


async def test_without_saved_settings_the_email_fails_as_invalid_input(clock: FakeClock) -> None:
    rig = Rig(clock)
    rig.settings = None
    record = await rig.outbox.send(make_draft(), [PDF])
    assert (record.status, record.cause, record.transient) == (EmailStatus.FAILED, 'invalid-input', False)
    assert 'Email settings page' in record.said and record.reply == ''  # Mailroom's words, not a server's
    assert rig.transport.delivered == []


async def test_header_injection_in_a_field_is_refused_before_sending(clock: FakeClock) -> None:
    rig = Rig(clock)
    record = await rig.outbox.send(make_draft(subject='Invoice\r\nBcc: victim@example.com'), [PDF])
    assert (record.status, record.cause, record.step) == (EmailStatus.FAILED, 'invalid-input', 'input')
    assert 'line break' in record.said
    assert rig.transport.delivered == []


async def test_an_invalid_recipient_is_named(clock: FakeClock) -> None:
    rig = Rig(clock)
    record = await rig.outbox.send(make_draft(to=('not-an-address',)), [PDF])
    assert record.cause == 'invalid-input'
    assert 'not-an-address' in record.said


async def test_an_email_caught_sending_by_a_crash_is_queued_again_on_resume(clock: FakeClock) -> None:
    rig = Rig(clock)
    record = rig.outbox.enqueue(make_draft(), [PDF])
    rig.log.update(EmailRecord.from_dict({**record.to_dict(), 'status': 'sending', 'tries': 1}))
    restarted = Outbox(rig.log, lambda: rig.settings, lambda _s: rig.transport, clock=clock, sleep=clock.sleep)
    [resumed] = restarted.resume()
    assert resumed.status is EmailStatus.QUEUED
    [sent] = await restarted.run_due()
    assert sent.status is EmailStatus.SENT and sent.tries == 2


async def test_due_emails_share_one_connection(clock: FakeClock) -> None:
    rig = Rig(clock)
    for n in range(3):
        rig.outbox.enqueue(make_draft(document_id=f'doc-{n}'), [PDF])
    results = await rig.outbox.run_due()
    assert [r.status for r in results] == [EmailStatus.SENT] * 3
    assert rig.transport.sessions == 1
    assert len(rig.transport.delivered) == 3


async def test_a_failed_connect_fails_every_due_email_the_same_way(clock: FakeClock) -> None:
    class Unreachable(MemoryTransport):
        def session(self) -> Any:
            raise TransportError('connect', Cause.CONNECTION_REFUSED, detail='Connection refused')

    rig = Rig(clock, Unreachable())
    for n in range(2):
        rig.outbox.enqueue(make_draft(document_id=f'doc-{n}'), [PDF])
    results = await rig.outbox.run_due()
    assert [(r.status, r.cause, r.step) for r in results] == [(EmailStatus.QUEUED, 'connection-refused', 'connect')] * 2


async def test_the_background_loop_retries_without_waiting_real_minutes(clock: FakeClock) -> None:
    rig = Rig(clock, MemoryTransport([disconnected(), disconnected()]))
    record = rig.outbox.enqueue(make_draft(), [PDF])
    task = asyncio.create_task(rig.outbox.run_forever())
    try:
        await wait_until(
            lambda: getattr(rig.log.get(record.id), 'status', None) is EmailStatus.SENT,
            interval=0,
            message='the email to be sent by the background loop',
        )
    finally:
        task.cancel()
    current = rig.log.get(record.id)
    assert current is not None and current.status is EmailStatus.SENT
    assert current.tries == 3
    assert sum(clock.slept) == 60 + 300  # 1 then 5 minutes of (fake) waiting, in wake-ups of at most a minute


async def test_a_queued_email_wakes_the_background_loop(clock: FakeClock) -> None:
    rig = Rig(clock)
    never = asyncio.Event()

    async def sleep_forever(_seconds: float) -> None:
        await never.wait()

    outbox = Outbox(rig.log, lambda: rig.settings, lambda _s: rig.transport, clock=clock, sleep=sleep_forever)
    task = asyncio.create_task(outbox.run_forever())
    try:
        await asyncio.sleep(0)
        record = outbox.enqueue(make_draft(), [PDF])
        await wait_until(lambda: rig.transport.delivered, interval=0, message='the woken loop to send the email')
    finally:
        task.cancel()
    assert rig.log.get(record.id).status is EmailStatus.SENT  # type: ignore[union-attr]


async def test_log_filters_by_status_document_and_words(clock: FakeClock) -> None:
    rig = Rig(clock, MemoryTransport([rejected()]))
    failed = await rig.outbox.send(make_draft(document_id='a', to=('anna@example.is',)), [PDF])
    sent = await rig.outbox.send(make_draft(document_id='b', subject='Quote Q-7'), [PDF])
    records = rig.log.all()
    assert filter_records(records, status=EmailStatus.FAILED) == [rig.log.get(failed.id)]
    assert filter_records(records, document_id='b') == [rig.log.get(sent.id)]
    assert filter_records(records, text='q-7') == [rig.log.get(sent.id)]
    assert filter_records(records, text='ANNA') == [rig.log.get(failed.id)]


def test_a_record_survives_a_round_trip_through_a_dict(clock: FakeClock) -> None:
    rig = Rig(clock)
    record = rig.outbox.enqueue(make_draft(), [PDF])
    assert EmailRecord.from_dict(record.to_dict()) == record


class FlakyLog(MemoryEmailLog):
    """A log whose write fails once for one email as it starts sending (a full disk, a bug in a store)."""

    def __init__(self) -> None:
        super().__init__()
        self.break_on: str = ''

    def update(self, record: EmailRecord) -> None:
        if record.id == self.break_on and record.status is EmailStatus.SENDING:
            self.break_on = ''
            raise RuntimeError('disk says no to password=hunter2')
        super().update(record)


async def run_loop_until(rig: Rig, outbox: Outbox, done: Any) -> None:
    task = asyncio.create_task(outbox.run_forever())
    try:
        await wait_until(done, interval=0, message='the background loop to get its work done')
    finally:
        task.cancel()
    assert not task.done() or task.cancelled(), task.exception()


async def test_the_background_loop_survives_a_fault_fails_that_email_with_a_cause_and_sends_the_others(
    clock: FakeClock, caplog: Any
) -> None:
    rig = Rig(clock)
    log = FlakyLog()
    outbox = Outbox(log, lambda: rig.settings, lambda _s: rig.transport, clock=clock, sleep=clock.sleep)
    broken = outbox.enqueue(make_draft(document_id='a'), [PDF])
    clock.advance(1)
    fine = outbox.enqueue(make_draft(document_id='b'), [PDF])
    log.break_on = broken.id

    await run_loop_until(rig, outbox, lambda: log.get(fine.id).status is EmailStatus.SENT)  # type: ignore[union-attr]

    failed, sent = log.get(broken.id), log.get(fine.id)
    assert failed is not None and sent is not None
    assert (failed.status, failed.cause, failed.transient) == (EmailStatus.FAILED, 'internal-error', False)
    assert 'problem of its own' in failed.explanation
    assert sent.status is EmailStatus.SENT
    assert 'RuntimeError' in caplog.text and 'hunter2' not in caplog.text


async def test_the_background_loop_survives_a_fault_between_rounds(clock: FakeClock) -> None:
    rig = Rig(clock)
    calls = 0
    real_due = rig.outbox.due

    def due_once_broken() -> list[EmailRecord]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError('the log could not be read')
        return real_due()

    rig.outbox.due = due_once_broken  # type: ignore[method-assign]
    record = rig.outbox.enqueue(make_draft(), [PDF])
    await run_loop_until(rig, rig.outbox, lambda: bool(rig.transport.delivered))
    assert rig.log.get(record.id).status is EmailStatus.SENT  # type: ignore[union-attr]


async def test_a_fault_while_marking_the_document_sent_keeps_the_email_sent_and_the_queue_going(
    clock: FakeClock,
) -> None:
    rig = Rig(clock)

    def mark_sent(_record: EmailRecord) -> None:
        raise KeyError('document')

    outbox = Outbox(rig.log, lambda: rig.settings, lambda _s: rig.transport, clock=clock, on_sent=mark_sent)
    for n in range(2):
        outbox.enqueue(make_draft(document_id=f'doc-{n}'), [PDF])
    results = await outbox.run_due()
    assert [r.status for r in results] == [EmailStatus.SENT] * 2
    assert len(rig.transport.delivered) == 2


async def test_a_defect_in_a_transport_is_an_internal_error_not_a_server_problem(clock: FakeClock) -> None:
    class Broken(MemoryTransport):
        async def send(self, message: Any) -> Any:
            raise AttributeError("'NoneType' object has no attribute 'code'")

    rig = Rig(clock, Broken())
    record = await rig.outbox.send(make_draft(), [PDF])
    assert (record.status, record.cause, record.transient) == (EmailStatus.FAILED, 'internal-error', False)
    assert record.said == 'AttributeError in Mailroom' and record.reply == ''


async def test_a_watcher_that_fails_does_not_change_what_happens_to_the_email(clock: FakeClock) -> None:
    rig = Rig(clock)

    def closed_page(stage: Stage) -> None:
        raise RuntimeError('parent element deleted')

    record = await rig.outbox.send(make_draft(), [PDF], closed_page)
    assert record.status is EmailStatus.SENT
    assert len(rig.transport.delivered) == 1


async def test_a_partly_sent_email_records_each_recipient_and_retry_reaches_only_the_rest(clock: FakeClock) -> None:
    rig = Rig(clock, MemoryTransport(refuse={'bookkeeper@example.is': '550 5.1.1 No such user'}))
    record = await rig.outbox.send(make_draft(), [PDF])
    assert record.status is EmailStatus.PARTLY_SENT
    assert record.accepted == ('thordur@example.is',)
    assert rig.marked_sent == []
    assert [(o.address, o.delivery.value, o.blind) for o in record.not_accepted] == [
        ('bookkeeper@example.is', 'refused', False)
    ]
    rig.transport.refuse.clear()
    rig.outbox.retry(record.id)
    [sent] = await rig.outbox.run_due()
    assert sent.status is EmailStatus.SENT and rig.marked_sent == [sent]
    assert rig.transport.delivered[1].built.envelope_recipients == ['bookkeeper@example.is']
    assert EmailRecord.from_dict(sent.to_dict()) == sent


async def test_a_failed_record_stores_one_failure_value(clock: FakeClock) -> None:
    rig = Rig(clock, MemoryTransport([rejected()]))
    failed = await rig.outbox.send(make_draft(), [PDF])
    row = failed.to_dict()
    assert row['failure'] == {
        'step': 'rcpt',
        'cause': 'recipient-rejected',
        'reply': failed.reply,
        'transient': False,
        'outcome_unknown': False,
    }
    assert not {'step', 'cause', 'transient'} & set(row)
    assert failed.failure == Failure(Step.RCPT, Cause.RECIPIENT_REJECTED, failed.reply, False)
    assert EmailRecord.from_dict(row) == failed


async def test_a_failed_record_from_before_the_failure_value_still_loads(clock: FakeClock) -> None:
    rig = Rig(clock, MemoryTransport([rejected()]))
    failed = await rig.outbox.send(make_draft(), [PDF])
    row = failed.to_dict()
    del row['failure']
    row |= {'step': 'rcpt', 'cause': 'recipient-rejected', 'reply': failed.reply, 'transient': False}
    assert EmailRecord.from_dict(row) == failed
    assert EmailRecord.from_dict(row).failure == Failure(Step.RCPT, Cause.RECIPIENT_REJECTED, failed.reply, False)


def test_a_record_from_before_per_recipient_outcomes_still_loads(clock: FakeClock) -> None:
    rig = Rig(clock)
    row = rig.outbox.enqueue(make_draft(), [PDF]).to_dict()
    del row['outcomes']
    row['status'] = 'sent'
    record = EmailRecord.from_dict(row)
    assert record.status is EmailStatus.SENT and record.outcomes == () and record.not_accepted == ()


async def test_a_lost_answer_after_the_message_data_is_not_retried_on_its_own_and_says_it_may_have_arrived(
    clock: FakeClock,
) -> None:
    lost = TransportError('data', Cause.SERVER_DISCONNECTED, detail='Connection lost', outcome_unknown=True)
    rig = Rig(clock, MemoryTransport([lost]))
    stages: list[Stage] = []
    record = await rig.outbox.send(make_draft(), [PDF], stages.append)
    assert record.status is EmailStatus.FAILED and stages[-1] is Stage.FAILED
    assert (record.step, record.cause, record.transient) == ('data', 'outcome-unknown', False)
    assert record.next_try_at is None
    assert 'may or may not have taken it' in record.explanation and 'Retry' in record.explanation
    clock.advance(3600)
    assert await rig.outbox.run_due() == []  # no automatic second copy
    assert rig.transport.delivered == []
    assert rig.outbox.retry(record.id).status is EmailStatus.QUEUED  # the user may still send it again


def test_a_record_holds_its_failure_as_the_one_value_and_older_rows_read_into_it(clock: FakeClock) -> None:
    rig = Rig(clock)
    row = rig.outbox.enqueue(make_draft(), [PDF]).to_dict() | {'failure': None}
    row |= {'step': 'data', 'cause': 'outcome-unknown', 'reply': '', 'transient': False}
    record = EmailRecord.from_dict(row)
    assert record.failure == Failure(Step.DATA, Cause.OUTCOME_UNKNOWN, '', False, True)
    assert 'step' not in {f.name for f in dataclasses.fields(EmailRecord)}
