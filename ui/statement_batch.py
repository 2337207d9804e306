"""Contacts' "Email statements to…": choose customers and a period, then the batch dialog with their statements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from nicegui import ui

from core.documents import ContactKind
from core.i18n import _
from core.i18n.phrase import plural_phrase
from ui.batch_dialog import email_many
from ui.services import Services


def choose_statements(services: Services, chosen: Sequence[str], period: tuple[date, date]) -> None:
    """The customers ticked in the list come chosen; "All customers" takes every one; the period starts as the
    statement page's own."""
    folder = services.folder
    customers = {c.id: c.name for c in folder.contacts.all(ContactKind.CUSTOMER)}
    with ui.dialog() as dialog, ui.card().classes('w-[560px] max-w-full'):
        ui.label(_('Email statements to…')).classes('text-h6')
        picked = (
            ui.select(
                customers,
                value=[c for c in chosen if c in customers],
                label=_('Customers'),
                multiple=True,
                with_input=True,
            )
            .props('use-chips outlined')
            .classes('w-full')
            .mark('statement-customers')
        )
        ui.button(_('All customers'), on_click=lambda: picked.set_value(list(customers))).props(
            'flat dense no-caps'
        ).mark('statement-all-customers')
        with ui.row().classes('w-full gap-3'):
            start = ui.input(_('From'), value=period[0].isoformat()).props('type=date').mark('statement-from')
            end = ui.input(_('To'), value=period[1].isoformat()).props('type=date').mark('statement-to')

        async def go_on() -> None:
            ids = list(picked.value or [])
            if not ids:
                ui.notify(_('Choose at least one customer.'), type='warning')
                return
            try:
                first, last = sorted((date.fromisoformat(start.value), date.fromisoformat(end.value)))
            except ValueError:
                ui.notify(_('Enter the period as two dates.'), type='warning')
                return
            currency = folder.business.load_or_default().currency
            statements = [
                folder.documents.statement(customer, first, last, currency)
                for customer in (folder.contacts.get(i) for i in ids)
                if customer is not None
            ]
            dialog.close()
            count = len(statements)
            title = plural_phrase(
                'statements to {count} customer', 'statements to {count} customers', count, count=count
            )
            await email_many(services, statements, title)

        with ui.row().classes('w-full justify-end'):
            ui.button(_('Cancel'), on_click=dialog.close).props('flat')
            ui.button(_('Continue'), icon='arrow_forward', on_click=go_on).props('unelevated').mark(
                'statement-continue'
            )
    dialog.open()
