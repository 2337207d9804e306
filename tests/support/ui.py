"""Helpers for driving pages with NiceGUI's simulated User: read and set the value of a marked element."""

from __future__ import annotations

from typing import Any

from nicegui.context import context
from nicegui.elements.mixins.value_element import ValueElement
from nicegui.testing import User
from nicegui.testing.user_notify import UserNotify

from tests.support.waiting import WAIT_SECONDS

BACKGROUND_RETRIES = round(WAIT_SECONDS / 0.1)
"""`should_see(..., retries=BACKGROUND_RETRIES)` for what the page shows after background work (a PDF render, a
send, a settings test): NiceGUI looks every 0.1 s, by default only three times, too few on a loaded machine."""


def value_element(user: User, marker: str) -> ValueElement:
    element = next(iter(user.find(marker=marker).elements))
    assert isinstance(element, ValueElement)
    return element


def value_of(user: User, marker: str) -> Any:
    return value_element(user, marker).value


def set_value(user: User, marker: str, value: object) -> None:
    """Set a value as the browser would (toggles, selects, radios), firing the element's change handlers."""
    assert user.client is not None
    with user.client:
        for element in user.find(marker=marker).elements:
            assert isinstance(element, ValueElement)
            element.value = value


class PageNotify(UserNotify):
    """Records toasts like the User fixture, but needs the page as the real ui.notify does, so a lost toast fails."""

    def __call__(self, message: str, **kwargs: Any) -> None:
        assert context.client is not None  # raises like a browser's page would when the element is gone
        super().__call__(message, **kwargs)


def notify_as_in_a_browser(user: User) -> None:
    user.notify = PageNotify()
