"""Text typed in the browser reaches Mailroom whole before Send or Save acts on it.

NiceGUI's page drops any message to the server longer than about a million characters (the text JSON-escaped),
and the server then keeps the field's old value: a long paste would be sent or saved as the old text. So long
fields take no more than the connection always carries, and Send and Save first check that the server holds
exactly the text the browser shows (a fingerprint of each field, computed in the browser at the click).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Sequence

from nicegui import ui
from nicegui.events import GenericEventArguments

from core.i18n import _, format_count

# Even if every character needed JSON's 6-character escape, 100,000 of them fit in one message.
LONG_TEXT_LIMIT = 100_000
LINE_LIMIT = 1_000

# FNV-1a over UTF-16 code units, with the length: the same numbers as fingerprint() below.
FINGERPRINT_JS = (
    '(t) => { let h = 0x811c9dc5; for (let i = 0; i < t.length; i++) '
    '{ h = Math.imul(h ^ t.charCodeAt(i), 0x01000193) >>> 0; } return t.length + ":" + h; }'
)


def limit_length(field: ui.input, limit: int = LONG_TEXT_LIMIT) -> ui.input:
    """The browser takes one character more than the limit, so a paste that was cut is seen, not silently short."""
    return field.props(f'maxlength={limit + 1}')


def length_problem(text: str | None, limit: int = LONG_TEXT_LIMIT, *, what: str = '') -> str | None:
    """`what` names the field in the page's language; a field's own check leaves it out."""
    if len(text or '') <= limit:
        return None
    return _(
        '{what} is longer than {limit} characters, the most Mailroom takes here, so anything pasted beyond that was '
        'cut off. Check its end and shorten it.'
    ).format(what=what or _('This text'), limit=format_count(limit))


def fingerprint(text: str) -> str:
    units = text.encode('utf-16-le')
    digest = 0x811C9DC5
    for low, high in zip(units[::2], units[1::2], strict=True):
        digest = ((digest ^ (low | high << 8)) * 0x01000193) & 0xFFFFFFFF
    return f'{len(units) // 2}:{digest}'


def on_click_with_shown_text(
    button: ui.button,
    fields: Sequence[ui.input],
    action: Callable[[], Awaitable[None] | None],
    on_stale: Callable[[], None],
) -> None:
    """Run `action` only if the server's text of every field is the text on screen; otherwise `on_stale` says so.

    The browser's copy is asked to come again, so the next click can succeed when it fits.
    """
    ids = json.dumps([field.id for field in fields])
    shown = f'{ids}.map((id) => ({FINGERPRINT_JS})(getElement(id)?.inputValue ?? ""))'

    async def clicked(event: GenericEventArguments) -> None:
        # Only NiceGUI's simulated User clicks without a browser, and then the server's text is the only text.
        if event.args is not None and event.args != [fingerprint(field.value or '') for field in fields]:
            ui.run_javascript(
                f'{ids}.forEach((id) => {{ const e = getElement(id); e?.$emit("update:value", e.inputValue); }})'
            )
            on_stale()
            return
        result = action()
        if inspect.isawaitable(result):
            await result

    button.on('click', clicked, js_handler=f'() => emit({shown})')
