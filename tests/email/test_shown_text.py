"""Send and Save act only on the text the browser shows: a click carries the browser's fingerprints of its fields."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from core.transport.memory import MemoryTransport
from tests.email.conftest import open_compose
from tests.support.app_state import use_memory_outbox
from tests.support.ui import BACKGROUND_RETRIES, set_value, value_of
from ui.services import Services
from ui.shown_text import fingerprint

COMPOSE_FIELDS = ('compose-to', 'compose-cc', 'compose-bcc', 'compose-subject', 'compose-body')


def browser_shows(user: User, markers: tuple[str, ...], **other_text: str) -> list[str]:
    """The fingerprints a browser would send: of the server's text, except where the browser shows other text."""
    return [fingerprint(other_text.get(marker.replace('-', '_'), value_of(user, marker) or '')) for marker in markers]


@pytest.fixture
def transport(services: Services) -> MemoryTransport:
    """Must come before app_user in a test's arguments: the app's startup uses the outbox it finds."""
    transport = MemoryTransport()
    use_memory_outbox(services, transport)
    return transport


async def test_send_refuses_while_the_server_lacks_the_text_on_screen_then_sends_exactly_it(
    services: Services, transport: MemoryTransport, app_user: User
) -> None:
    await open_compose(app_user, services)
    set_value(app_user, 'compose-body', 'The text the server has.')

    unseen = browser_shows(app_user, COMPOSE_FIELDS, compose_body='A longer text whose update never arrived.')
    app_user.find(marker='compose-send').trigger('click', unseen)
    await app_user.should_see('Not sent: the text on your screen had not all reached Mailroom')
    assert transport.delivered == []
    assert services.folder.email_log.all() == []

    app_user.find(marker='compose-send').trigger('click', browser_shows(app_user, COMPOSE_FIELDS))
    await app_user.should_see('Sent to ', retries=BACKGROUND_RETRIES)
    [delivered] = transport.delivered
    plain = delivered.built.mime.get_body(preferencelist=('plain',))
    assert plain is not None and plain.get_content().strip() == 'The text the server has.'
