"""The extension point for buttons that act on one document, and the buttons: the Email button registers here.

Each action appears on the document's view page, on the customer statement page and as an icon on every row of the
documents table. `run` receives the services and the document (a transaction or a customer statement) and may be
async; it opens whatever dialog it needs in the current page.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nicegui import ui

from core.documents import Document, Statement
from core.i18n import N_, _
from ui.compose_dialog import email_document, email_ready, open_email_settings
from ui.services import Services


@dataclass(frozen=True)
class DocumentAction:
    key: str
    """A short identifier, also the name of the table row event (letters and dashes)."""
    label: str
    """English, marked with N_: each place that shows it translates it."""
    icon: str
    run: Callable[[Services, Document | Statement], Awaitable[None] | None]


def document_actions(services: Services) -> tuple[DocumentAction, ...]:
    """Every action, in the order the buttons appear. Email exists once email settings are saved; until then the
    same place offers the way to the settings."""
    if not email_ready(services):
        return (
            DocumentAction('email-setup', N_('Set up email to send this'), 'forward_to_inbox', open_email_settings),
        )
    return (DocumentAction('email', N_('Email'), 'email', email_document),)


async def run_action(services: Services, key: str, document: Document | Statement) -> None:
    for action in document_actions(services):
        if action.key == key:
            result = action.run(services, document)
            if inspect.isawaitable(result):
                await result


def action_buttons(services: Services, document: Document | Statement) -> None:
    """One button per action, for a document's or a statement's own page (the table draws its own icons)."""
    for action in document_actions(services):
        ui.button(
            _(action.label),
            icon=action.icon,
            on_click=lambda action=action: run_action(services, action.key, document),
        ).props('unelevated').mark(f'action-{action.key}')
