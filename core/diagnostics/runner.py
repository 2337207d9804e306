"""run_checks: the settings test as one async iterator of StepEvents ending with a Verdict."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable
from dataclasses import replace
from datetime import datetime

from core import addresses
from core.causes import Cause, Step
from core.diagnostics.events import StepEvent, Verdict
from core.diagnostics.http_checks import HttpCheck
from core.diagnostics.probe import Probe, RunStopped, StepScope, Timeouts, step_failure
from core.diagnostics.smtp_checks import SmtpCheck
from core.diagnostics.transcript import Transcript
from core.i18n import N_, _
from core.message import (
    MessageError,
    OutgoingMessage,
    message_from_settings,
    validate_message,
)
from core.oauth.tokens import TokenCache
from core.providers import inbound_mx_advice, is_well_known_host
from core.settings import (
    SECURITY_LABELS,
    EmailSettings,
    Protocol,
    Security,
    address_warnings,
    secrets_of,
    url_warning,
    validate,
)

FIELD_LABELS = {
    'http_server': N_('HTTP server'),
    'reply_to': N_('Reply-to email'),
    'host': N_('SMTP server'),
    'port': N_('Port'),
    'username': N_('Username'),
    'email': N_('Email address'),
    'password': N_('Password'),
    'security': N_('Security'),
    'bcc': N_('Copy (BCC) address'),
    'to': N_('Send the test to'),
}


async def run_checks(
    settings: EmailSettings,
    *,
    send: bool = True,
    to: str | None = None,
    business_name: str = 'Mailroom',
    timeouts: Timeouts | None = None,
    cancel: asyncio.Event | None = None,
    tokens: TokenCache | None = None,
) -> AsyncGenerator[StepEvent | Verdict, None]:
    """Run the test and yield each event as it happens, then one Verdict.

    Setting `cancel` stops the test at once and it ends, like every other ending, with a Verdict (cause `cancelled`);
    closing the iterator stops it too, with nobody left to tell. `tokens` holds the access tokens of a sign-in with a
    provider (the outbox's, so a token the test refreshed serves the next send). Use it as
    `async with contextlib.aclosing(run_checks(...)) as events: async for event in events: ...`.
    """
    queue: asyncio.Queue[StepEvent | Verdict] = asyncio.Queue()
    task = asyncio.create_task(
        _produce(queue.put_nowait, settings, send, to, business_name, timeouts or Timeouts(), tokens or TokenCache())
    )
    # Created after the task, so the task has reached its first await (and ends with a verdict) before this can fire;
    # and only when there is a cancel to watch for (a waiting task costs every run a turn of the event loop).
    stop = asyncio.ensure_future(cancel.wait()) if cancel is not None else None
    if stop is not None:
        stop.add_done_callback(lambda waited: None if waited.cancelled() else task.cancel())
    try:
        while True:
            item = await queue.get()
            yield item
            if isinstance(item, Verdict):
                return
    finally:
        if stop is not None:
            stop.cancel()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _produce(
    emit: Callable[[StepEvent | Verdict], None],
    settings: EmailSettings,
    send: bool,
    to: str | None,
    business_name: str,
    timeouts: Timeouts,
    tokens: TokenCache,
) -> None:
    host = settings.http_server if settings.protocol is Protocol.HTTP else settings.host
    transcript = Transcript(secrets=secrets_of(settings), username=settings.username)
    probe = Probe(emit, transcript, timeouts, host=host, http=settings.protocol is Protocol.HTTP)
    recipient = (to or '').strip() or settings.sender_address
    transcript.info(
        _('Mailroom settings test, {time}').format(time=f'{datetime.now().astimezone():%Y-%m-%d %H:%M:%S %Z}')
    )
    success = ''
    try:
        message = await _check_input(probe, settings, recipient, business_name)
        if settings.protocol is Protocol.HTTP:
            await HttpCheck(probe, settings, message).run(send=send)
            success = (
                _('Your email settings work: the HTTP email service accepted the test email for {recipient}.')
                if send
                else _('The HTTP email service is reachable. Nothing was sent.')
            ).format(recipient=recipient)
        else:
            await SmtpCheck(probe, settings, message, recipient, tokens).run(send=send)
            success = (
                _('Your email settings work: {host} accepted the test email for {recipient}.')
                if send
                else _(
                    'Your email settings work: {host} accepted the sign-in, the sender and the recipient. Nothing '
                    'was sent.'
                )
            ).format(host=settings.host, recipient=recipient)
    except RunStopped:
        pass
    except asyncio.CancelledError:
        probe.cancelled()
        raise
    except Exception as error:  # a defect must still end the run with a verdict, never hang the page
        name = type(error).__name__
        transcript.error(_('internal error: {name}').format(name=name))
        emit(replace(probe.verdict(''), passed=False, message=_('Internal error ({name}).').format(name=name)))
        return
    emit(probe.verdict(success))


async def _check_input(probe: Probe, settings: EmailSettings, recipient: str, business_name: str) -> OutgoingMessage:
    """The settings and the test message, each checked before any network step: a refused field is the Input step's.
    (The SMTP check builds the MIME message after the sign-in, as sending does.)
    """
    async with probe.step(Step.INPUT, _('Checking the settings')) as scope:
        errors = validate(settings)  # the same check as Update's, so the test refuses exactly what Update refuses
        if problem := addresses.problem(recipient):
            errors['to'] = problem
        details = {FIELD_LABELS.get(k, k): v for k, v in errors.items()}
        problems = [f'{_(label)}: {problem}' for label, problem in details.items()]
        message: OutgoingMessage | None = None
        if not errors:
            test_email = compose_test_email(settings, recipient, business_name)
            try:
                message = validate_message(test_email)
            except MessageError as error:  # its problem names the field already
                details[N_('Test message')] = error.problem
                problems.append(error.problem)
        if problems or message is None:
            scope.details.update(details)
            message_text = problems[0] if problems else _('The test message could not be built.')
            raise step_failure(Step.INPUT, Cause.INVALID_INPUT, message_text)
        _describe_settings(scope, settings, recipient)
        warnings = [*contradictions(settings), *address_warnings(settings).values()]
        if recipient.lower() != settings.sender_address.lower():
            warnings += addresses.warnings([addresses.parse(recipient)])
        if warnings:
            scope.details[N_('Warnings')] = ' '.join(warnings)
            scope.warn(' '.join(warnings))
        else:
            scope.ok(_('The settings are complete.'))
        return message


def _describe_settings(scope: StepScope, settings: EmailSettings, recipient: str) -> None:
    if settings.protocol is Protocol.HTTP:
        scope.details.update({N_('Protocol'): 'HTTP', N_('HTTP server'): settings.http_server})
    else:
        method = _('a token from the provider (XOAUTH2)') if settings.uses_oauth else _('the password')
        scope.details.update(
            {
                N_('Protocol'): 'SMTP',
                N_('SMTP server'): settings.host,
                N_('Port'): str(settings.port),
                N_('Security'): _(SECURITY_LABELS[settings.effective_security]),
                N_('Username'): settings.username,
                N_('Sign-in method'): method,
            }
        )
    scope.details[N_('Sender')] = settings.sender_address
    scope.details[N_('Test recipient')] = recipient
    scope.details[N_('Certificate verification')] = _('off') if settings.skip_tls_verify else _('on')


def contradictions(settings: EmailSettings) -> list[str]:
    """Choices that contradict each other or the server's known role; the test still runs and shows the effect."""
    if settings.protocol is Protocol.HTTP:
        return [w for w in (url_warning(settings.http_server),) if w]
    found: list[str] = []
    security, port = settings.effective_security, settings.port
    if port == 465 and security is Security.STARTTLS:
        found.append(_('Port 465 expects SSL/TLS from the first byte, but STARTTLS is chosen.'))
    if port in (587, 25) and security is Security.SSL:
        found.append(
            _('Port {port} normally starts in plain text and switches with STARTTLS, but SSL/TLS is chosen.').format(
                port=port
            )
        )
    if security is Security.NONE and settings.password:
        found.append(_('Security is None: your password will cross the network unencrypted.'))
    if advice := inbound_mx_advice(settings.host):
        found.append(advice)
    if settings.skip_tls_verify and is_well_known_host(settings.host):
        found.append(_('“Do not verify TLS certificate” is ticked for a well-known provider: untick it.'))
    return found


def compose_test_email(settings: EmailSettings, recipient: str, business_name: str) -> OutgoingMessage:
    """The small message the test sends (public so that the benchmark sends the very same one without the test)."""
    where = settings.http_server if settings.protocol is Protocol.HTTP else f'{settings.host}:{settings.port}'
    message = message_from_settings(
        settings,
        business_name=business_name or 'Mailroom',
        to=[recipient],
        subject=_('Test email from {business}').format(business=business_name or 'Mailroom'),
        text_body=_(
            'This is a test email sent by Mailroom on {time} to check the email settings ({where}).\n\nIf you can '
            'read this, emails to your customers and suppliers will go out the same way. No reply is needed.'
        ).format(time=f'{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}', where=where),
    )
    # The test goes to its recipient alone, never to the copy address. (Dropped here: a changed copy of the settings
    # costs a tenth of a millisecond to make.)
    return replace(message, bcc=())
