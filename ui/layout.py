"""One frame for every page: the same header and navigation everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import context, ui
from nicegui.elements.mixins.text_element import TextElement

from core.i18n import N_, _
from ui.components import icon_button
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


# Quasar marks keyboard focus with a faint shade only (its buttons drop the outline with !important, which this
# layer overrides): a person working by keyboard needs to see where they are.
# NiceGUI's links are a light blue that is hard to read on white: they take the primary colour.
PAGE_CSS = """
@layer overrides {
  :focus-visible, .q-field--focused .q-field__control { outline: 3px solid #f5a623 !important; outline-offset: 2px; }
  .q-header :focus-visible { outline-color: #ffffff !important; }
}
.nicegui-link { color: var(--q-primary); }
"""


@contextmanager
def frame(title: str) -> Iterator[None]:
    """Header, navigation drawer and a content column; the page builds inside it. The page's title is its one h1."""
    remember_page_language()
    ui.colors(primary='#1f4e79')
    ui.add_css(PAGE_CSS)
    ui.page_title(f'{title} · Mailroom')
    here = context.client.request.url.path
    drawer = ui.left_drawer(value=None).props('width=220 bordered breakpoint=1024').classes('bg-grey-1 p-0')
    with ui.header().classes('items-center bg-primary px-4 py-2 no-wrap gap-2'):
        icon_button('menu', _('Menu'), drawer.toggle).props('flat color=white dense').classes('lg:hidden')
        ui.icon('mail', size='sm').classes('text-white max-sm:hidden')
        ui.label('Mailroom').classes('text-lg font-semibold text-white max-sm:hidden')
        TextElement(tag='h1', text=title).classes('text-base font-normal text-white/80 m-0 sm:ml-4 truncate')
        ui.space()
        language_menu(here)
    with drawer:
        navigation = ui.element('nav').classes('w-full pt-2')
        navigation.props['aria-label'] = _('Pages')
    with navigation:
        for label, path, icon in NAVIGATION:  # links (Quasar's list items would hide them from screen readers)
            current = here == path or here.startswith(f'{path}/')
            link = ui.link(target=path).classes('flex no-wrap items-center gap-4 px-4 py-3 no-underline text-body1')
            link.classes('bg-blue-1 text-primary font-medium' if current else 'text-grey-10 hover:bg-grey-2')
            if current:
                link.props['aria-current'] = 'page'
            with link:
                ui.icon(icon, color='primary')
                ui.label(_(label))
    with ui.column().classes('w-full max-w-6xl mx-auto p-4 max-sm:px-0 gap-4'):
        yield
