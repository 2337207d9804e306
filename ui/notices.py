"""Toasts that still show when the element whose click asked for them is gone by then.

ui.notify finds its page through the element that was clicked; a Retry button or a provider card that a refresh
has just replaced has no page any more, and the toast fails ("parent element deleted"). A notifier made while the
page is built holds the page itself.
"""

from __future__ import annotations

from typing import Any

from nicegui import ui


class PageNotifier:
    """Make one while building a page; call it like ui.notify from any of the page's handlers."""

    def __init__(self) -> None:
        self._client = ui.context.client

    def __call__(self, message: str, **options: Any) -> None:
        with self._client:
            ui.notify(message, **options)
