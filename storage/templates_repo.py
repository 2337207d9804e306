"""The user's email templates; a document type without a saved template uses Mailroom's default."""

from __future__ import annotations

from tinydb import Query, TinyDB

from core.templates import EmailTemplate, default_template


class TemplatesRepository:
    def __init__(self, db: TinyDB) -> None:
        self._table = db.table('email_templates')

    def load(self, document_type: str) -> EmailTemplate:
        row = self._table.get(Query().document_type == document_type)
        if not isinstance(row, dict):
            return default_template(document_type)
        return EmailTemplate(subject=row['subject'], body=row['body'])

    def is_customised(self, document_type: str) -> bool:
        return self._table.contains(Query().document_type == document_type)

    def save(self, document_type: str, template: EmailTemplate) -> None:
        record = {'document_type': document_type, 'subject': template.subject, 'body': template.body}
        self._table.upsert(record, Query().document_type == document_type)

    def reset(self, document_type: str) -> None:
        """Back to Mailroom's default text."""
        self._table.remove(Query().document_type == document_type)
