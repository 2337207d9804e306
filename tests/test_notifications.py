"""Every action answers visibly: a toast still shows when the button that asked for it was refreshed away."""

from __future__ import annotations

import gc
import logging

import pytest
from nicegui.testing import User

from core.causes import Cause
from core.message import OutgoingMessage
from core.transport.base import Receipt, TransportError
from core.transport.memory import MemoryTransport
from tests.email.conftest import make_draft, smtp_settings
from tests.support.app_state import use_memory_outbox
from tests.support.ui import BACKGROUND_RETRIES, notify_as_in_a_browser
from ui.services import Services


class SlowTransport(MemoryTransport):
    """Sending takes a while, long enough for Python to collect the elements a refresh let go of."""

    async def send(self, message: OutgoingMessage) -> Receipt:
        gc.collect()
        return await super().send(message)


@pytest.fixture
def transport(services: Services) -> MemoryTransport:
    """Must come before app_user in a test's arguments: the app's startup uses the outbox it finds."""
    transport = SlowTransport()
    use_memory_outbox(services, transport)
    return transport


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


async def test_retry_answers_with_a_toast_after_its_row_is_refreshed(
    services: Services, transport: MemoryTransport, app_user: User, caplog: pytest.LogCaptureFixture
) -> None:
    services.folder.settings.save(smtp_settings())
    transport.failures.append(TransportError('rcpt', Cause.RECIPIENT_REJECTED, reply_code=550, reply_text='No'))
    await services.outbox.send(make_draft(subject='Invoice INV-0001'))
    await app_user.open('/emails?status=failed')
    notify_as_in_a_browser(app_user)
    app_user.find('Retry').click()
    await app_user.should_see('Sent: Invoice INV-0001', retries=BACKGROUND_RETRIES)
    assert errors_logged(caplog) == []


async def test_use_these_settings_answers_with_a_toast_after_the_card_is_rebuilt(
    app_user: User, caplog: pytest.LogCaptureFixture
) -> None:
    await app_user.open('/settings')
    notify_as_in_a_browser(app_user)
    app_user.find(marker='username').type('someone@gmail.com')
    await app_user.should_see('Gmail detected')
    app_user.find('Use these settings').click()
    await app_user.should_see('Gmail settings filled in. Now enter your password.')
    assert errors_logged(caplog) == []
