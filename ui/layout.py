"""One frame for every page: the same header and navigation everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import context, ui

from core.i18n import N_, _
from ui.language import language_menu, remember_page_language

NAVIGATION: tuple[tuple[str, str, str], ...] = (
    (N_('Documents'), '/documents', 'description'),
    (N_('Contacts'), '/contacts', 'contacts'),
    (N_('Emails'), '/emails', 'outbox'),
    (N_('Reminders'), '/reminders', 'notifications'),
    (N_('Email templates'), '/templates', 'edit_note'),
    (N_('Business'), '/business', 'storefront'),
    (N_('Email settings'), '/settings', 'settings'),
)


@contextmanager
def frame(title: str) -> Iterator[None]:
    """Header, navigation drawer and a content column; the page builds inside it."""
    remember_page_language()
    ui.colors(primary='#1f4e79')
    ui.page_title(f'{title} · Mailroom')
    drawer = ui.left_drawer(value=None).props('width=220 bordered breakpoint=1024').classes('bg-grey-1 p-0')
    with ui.header().classes('items-center bg-primary px-4 py-2'):
        ui.button(on_click=drawer.toggle, icon='menu').props('flat color=white dense').classes('lg:hidden')
        ui.icon('mail', size='sm').classes('text-white')
        ui.label('Mailroom').classes('text-lg font-semibold text-white')
        ui.label(title).classes('text-white/80 ml-4')
        ui.space()
        language_menu(context.client.request.url.path)
    with drawer, ui.list().classes('w-full pt-2'):
        for label, path, icon in NAVIGATION:
            with ui.item(on_click=lambda path=path: ui.navigate.to(path)).props('clickable'):
                with ui.item_section().props('avatar'):
                    ui.icon(icon, color='primary')
                with ui.item_section():
                    ui.item_label(_(label))
    with ui.column().classes('w-full max-w-6xl mx-auto p-4 gap-4'):
        yield
