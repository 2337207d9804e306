"""The documents list: search, type filter, sorting and paging done by the repository, one page of rows at a time."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from core.documents import ContactKind, Document, DocumentType, format_money
from core.i18n import _, ngettext
from core.i18n.phrase import plural_phrase
from storage.documents_repo import DocumentPage
from ui.batch_dialog import email_many
from ui.components import confirm_delete, selection_slots, shown_date, shown_title, slot_icon_button
from ui.document_actions import document_actions, run_action
from ui.services import Services

ROWS_PER_PAGE = 25


class DocumentList:
    """Filtering, sorting and paging happen in the repository, so only one page of rows crosses the wire."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.search = ''
        self.type_filter: str = ''
        self.pagination: dict[str, Any] = {
            'page': 1,
            'rowsPerPage': ROWS_PER_PAGE,
            'sortBy': 'issue_date',
            'descending': True,
            'rowsNumber': 0,
        }
        self.all_matching = False  # "Select all matching": every document the filter finds, on any page

    def build(self) -> None:
        with ui.row().classes('w-full items-center gap-3'):
            ui.input(placeholder=_('Search reference, contact or notes'), on_change=self.on_search).props(
                'clearable dense outlined debounce=250'
            ).classes('w-80').mark('document-search')
            type_options = {'': _('All types'), **{t.value: _(t.label) for t in DocumentType}}
            ui.select(type_options, value='', on_change=self.on_type).props('dense outlined').classes('w-48').mark(
                'document-type-filter'
            )
            ui.space()
            with ui.button(_('New'), icon='add').props('unelevated'), ui.menu():
                for document_type in DocumentType:
                    ui.menu_item(
                        _(document_type.label),
                        on_click=lambda t=document_type: ui.navigate.to(f'/documents/new/{t.slug}'),
                    )
                ui.separator()
                ui.menu_item(_('Customer statement…'), on_click=self.choose_statement_customer).mark('statement-menu')
        columns: list[dict[str, Any]] = [
            {'name': 'issue_date', 'label': _('Date'), 'field': 'issue_date', 'sortable': True, 'align': 'left'},
            {'name': 'reference', 'label': _('Reference'), 'field': 'reference', 'sortable': True, 'align': 'left'},
            {'name': 'type', 'label': _('Type'), 'field': 'type', 'sortable': True, 'align': 'left'},
            {'name': 'contact', 'label': _('Customer / supplier'), 'field': 'contact', 'align': 'left'},
            {'name': 'total', 'label': _('Total'), 'field': 'total', 'sortable': True, 'align': 'right'},
            {'name': 'sent', 'label': _('Sent'), 'field': 'sent', 'align': 'left'},
            {'name': 'actions', 'label': '', 'field': 'id', 'align': 'right'},
        ]
        with ui.row().classes('w-full items-center gap-3 min-h-[40px]'):
            self.selection_label = ui.label('').classes('text-caption').mark('selection-label')
            self.select_matching = ui.button('', on_click=self.choose_all_matching).props('flat dense no-caps')
            self.select_matching.mark('select-all-matching')
            self.clear_selection = ui.button(_('Clear selection'), on_click=self.clear).props('flat dense no-caps')
            ui.space()
            self.email_selected = ui.button(_('Email selected…'), icon='forward_to_inbox', on_click=self.email_chosen)
            self.email_selected.props('unelevated').mark('email-selected')
        self.table = ui.table(
            columns=columns,
            rows=[],
            row_key='id',
            pagination=self.pagination,
            selection='multiple',
            on_select=lambda _e: self.on_select(),
        ).classes('w-full')
        self.table.mark('documents-table')
        selection_slots(self.table, 'props.row.reference', _('Select the documents on this page'))
        self.table.props('flat bordered :rows-per-page-options="[10, 25, 50, 100]"')
        self.table.props(':grid="Quasar.Screen.lt.md"')  # narrower than a laptop: each document a stacked row
        self.table.add_slot(
            'body-cell-reference',
            '<q-td :props="props"><a :href="\'/documents/\' + props.row.id" class="text-primary font-medium">'
            '{{ props.value }}</a></q-td>',
        )
        self.table.add_slot(
            'body-cell-actions', f'<q-td :props="props" class="whitespace-nowrap">{self.row_buttons()}</q-td>'
        )
        self.table.add_slot('item', self.phone_row())
        self.table.on('request', self.on_request)
        self.table.on('delete', lambda e: self.ask_delete(e.args))
        self.table.on('action', self.on_action)
        self.load()

    def row_buttons(self) -> str:
        """The actions on one row, in the table's slot templates; `$parent` is the table in both of them."""
        row_url = "'/documents/' + props.row.id"
        actions = ''.join(
            slot_icon_button(
                _(a.label),
                f'color="primary" icon="{a.icon}" '
                f"@click=\"$parent.$emit('action', {{key: '{a.key}', id: props.row.id}})\"",
            )
            for a in document_actions(self.services)
        )
        return (
            actions
            + slot_icon_button(
                _('Open PDF'), f'color="grey-8" icon="picture_as_pdf" :href="{row_url} + \'/pdf\'" target="_blank"'
            )
            + slot_icon_button(_('Edit'), f'color="grey-8" icon="edit" :href="{row_url} + \'/edit\'"')
            + slot_icon_button(
                _('Delete'), 'color="negative" icon="delete" @click="$parent.$emit(\'delete\', props.row.id)"'
            )
        )

    def phone_row(self) -> str:
        """One document on a narrow screen: reference and total, the customer, type, date and sent, its actions."""
        sent_label = "props.cols.find(c => c.name === 'sent').label"
        return (
            '<div class="q-pa-xs col-12"><q-card flat bordered :class="props.selected ? \'bg-blue-1\' : \'\'">'
            '<q-card-section class="q-pt-sm q-pb-none"><div class="row items-center no-wrap">'
            '<q-checkbox dense v-model="props.selected" :aria-label="props.row.reference" class="q-mr-sm" />'
            '<a :href="\'/documents/\' + props.row.id" class="text-primary text-weight-medium text-subtitle1">'
            '{{ props.row.reference }}</a><q-space />'
            '<span class="text-weight-medium">{{ props.row.total }}</span></div>'
            '<div>{{ props.row.contact }}</div>'
            '<div class="text-caption text-grey-8">{{ props.row.type }} · {{ props.row.issue_date }}'
            f'<span v-if="props.row.sent" class="text-positive"> · {{{{ {sent_label} }}}} {{{{ props.row.sent }}}}'
            '</span></div></q-card-section>'
            f'<q-card-actions align="right" class="q-pt-none">{self.row_buttons()}</q-card-actions>'
            '</q-card></div>'
        )

    def choose_statement_customer(self) -> None:
        """Statements are reports, not stored documents: pick the customer, the statement page does the rest."""
        customers = {c.id: c.name for c in self.services.folder.contacts.all(ContactKind.CUSTOMER)}
        with ui.dialog() as dialog, ui.card().classes('w-96'):
            ui.label(_('Customer statement')).classes('text-h6')
            choice = ui.select(customers, label=_('Customer'), with_input=True).classes('w-full')
            choice.mark('statement-customer')

            def show() -> None:
                if choice.value:
                    ui.navigate.to(f'/contacts/{choice.value}/statement')

            with ui.row().classes('w-full justify-end'):
                ui.button(_('Cancel'), on_click=dialog.close).props('flat')
                ui.button(_('Show'), on_click=show).props('unelevated').mark('show-statement')
        dialog.open()

    def load(self) -> None:
        folder = self.services.folder
        names = {c.id: c.name for c in folder.contacts.all()}
        per_page = int(self.pagination.get('rowsPerPage') or ROWS_PER_PAGE) or 10**9  # 0 means "All" in Quasar
        page = max(1, int(self.pagination.get('page') or 1))
        result = self.query(names, offset=(page - 1) * per_page, limit=per_page)
        self.pagination = {**self.pagination, 'rowsNumber': result.total, 'page': page}
        self.table.rows = [
            {
                'id': d.id,
                'issue_date': shown_date(d.issue_date),
                'reference': d.reference,
                'type': _(d.type.label),
                'contact': names.get(d.contact_id, _('(deleted contact)')),
                'total': format_money(d.total, d.currency),
                'sent': shown_date(d.sent_at.date()) if d.sent_at else '',
            }
            for d in result.rows
        ]
        self.table.pagination = self.pagination
        if self.all_matching:  # every page shows its rows ticked
            self.table.selected = list(self.table.rows)
        self.table.update()
        self.show_selection()

    def query(self, names: dict[str, str], *, offset: int = 0, limit: int = 10**9) -> DocumentPage:
        """The documents the search and the type filter find, in the table's order."""
        return self.services.folder.documents.page(
            search=self.search,
            document_type=DocumentType(self.type_filter) if self.type_filter else None,
            contact_names=names,
            sort=self.pagination.get('sortBy') or 'issue_date',
            descending=bool(self.pagination.get('descending')),
            offset=offset,
            limit=limit,
        )

    def show_selection(self) -> None:
        total = int(self.pagination.get('rowsNumber') or 0)
        chosen = total if self.all_matching else len(self.table.selected)
        if self.all_matching:
            words = ngettext(
                'All {count} matching document is selected.', 'All {count} matching documents are selected.', total
            )
        else:
            words = ngettext('{count} selected.', '{count} selected.', chosen)
        self.selection_label.set_text(words.format(count=total if self.all_matching else chosen))
        self.selection_label.set_visibility(chosen > 0)
        self.select_matching.set_text(
            ngettext('Select all {count} matching', 'Select all {count} matching', total).format(count=total)
        )
        self.select_matching.set_visibility(not self.all_matching and total > len(self.table.selected))
        self.clear_selection.set_visibility(chosen > 0)
        self.email_selected.set_enabled(chosen > 0)

    def on_select(self) -> None:
        if self.all_matching and len(self.table.selected) < len(self.table.rows):  # a row was unticked
            self.all_matching = False
        self.show_selection()

    def choose_all_matching(self) -> None:
        self.all_matching = True
        self.table.selected = list(self.table.rows)
        self.table.update()
        self.show_selection()

    def clear(self) -> None:
        self.all_matching = False
        self.table.selected = []
        self.table.update()
        self.show_selection()

    def chosen(self) -> list[Document]:
        if self.all_matching:
            return self.query({c.id: c.name for c in self.services.folder.contacts.all()}).rows
        documents = self.services.folder.documents
        return [d for d in (documents.get(row['id']) for row in self.table.selected) if d is not None]

    async def email_chosen(self) -> None:
        documents = self.chosen()
        count = len(documents)
        await email_many(
            self.services, documents, plural_phrase('{count} document', '{count} documents', count, count=count)
        )

    def on_request(self, event: Any) -> None:
        self.pagination = {**self.pagination, **event.args['pagination']}
        self.load()

    def on_search(self, event: Any) -> None:
        self.search = event.value or ''
        self.filter_changed()

    def on_type(self, event: Any) -> None:
        self.type_filter = event.value or ''
        self.filter_changed()

    def filter_changed(self) -> None:
        """A new filter finds other documents: the selection made under the old one is dropped."""
        self.pagination['page'] = 1
        self.all_matching = False
        self.table.selected = []
        self.load()

    async def on_action(self, event: Any) -> None:
        document = self.services.folder.documents.get(event.args['id'])
        if document is not None:
            await run_action(self.services, event.args['key'], document)

    def ask_delete(self, document_id: str) -> None:
        document = self.services.folder.documents.get(document_id)
        if document is None:
            return

        def delete() -> None:
            self.services.folder.documents.delete(document.id)
            ui.notify(_('{title} deleted.').format(title=shown_title(document)), type='positive')
            self.load()

        confirm_delete(shown_title(document), delete)
