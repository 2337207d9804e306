"""The reminder schedule, the record of every reminder queued, and the invoices not to remind, in the main database.

Implements core.reminders.scheduler.ReminderStore. Small tables: a few rows per invoice at most.
"""

from __future__ import annotations

from tinydb import Query, TinyDB

from core.reminders.plan import SentReminder
from core.reminders.stages import ReminderSettings


class RemindersRepository:
    def __init__(self, db: TinyDB) -> None:
        self._settings = db.table('reminder_settings')
        self._sent = db.table('reminders_sent')
        self._paused = db.table('reminders_paused')

    def settings(self) -> ReminderSettings:
        rows = self._settings.all()
        return ReminderSettings.from_dict(dict(rows[0])) if rows else ReminderSettings()

    def save_settings(self, settings: ReminderSettings) -> None:
        self._settings.truncate()
        self._settings.insert(settings.to_dict())

    def sent(self) -> list[SentReminder]:
        return [SentReminder.from_dict(dict(row)) for row in self._sent.all()]

    def add_sent(self, record: SentReminder) -> None:
        """One row per (invoice, stage): writing it again changes nothing."""
        row = Query()
        self._sent.upsert(record.to_dict(), (row.invoice_id == record.invoice_id) & (row.stage_id == record.stage_id))

    def paused(self) -> set[str]:
        return {str(row['invoice_id']) for row in self._paused.all()}

    def set_paused(self, invoice_id: str, paused: bool) -> None:
        if paused:
            self._paused.upsert({'invoice_id': invoice_id}, Query().invoice_id == invoice_id)
        else:
            self._paused.remove(Query().invoice_id == invoice_id)
