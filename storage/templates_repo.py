"""The user's email templates, per document type and language; one not saved uses Mailroom's default.

Rows saved before templates had a language have none: they are the English text.
"""

from __future__ import annotations

from tinydb import Query, TinyDB
from tinydb.queries import QueryLike

from core.i18n import DEFAULT_LANGUAGE, supported
from core.templates import EmailTemplate, default_template


class TemplatesRepository:
    def __init__(self, db: TinyDB) -> None:
        self._table = db.table('email_templates')

    def load(self, document_type: str, language: str = DEFAULT_LANGUAGE) -> EmailTemplate:
        row = self._table.get(_row(document_type, language))
        if not isinstance(row, dict):
            return default_template(document_type, language)
        return EmailTemplate(subject=row['subject'], body=row['body'])

    def is_customised(self, document_type: str, language: str = DEFAULT_LANGUAGE) -> bool:
        return self._table.contains(_row(document_type, language))

    def save(self, document_type: str, template: EmailTemplate, language: str = DEFAULT_LANGUAGE) -> None:
        language = supported(language)
        record = {'document_type': document_type, 'language': language, 'subject': template.subject}
        self._table.upsert({**record, 'body': template.body}, _row(document_type, language))

    def reset(self, document_type: str, language: str = DEFAULT_LANGUAGE) -> None:
        """Back to Mailroom's default text in that language."""
        self._table.remove(_row(document_type, language))


def _row(document_type: str, language: str) -> QueryLike:
    row = Query()
    language = supported(language)
    same_language = row.language == language
    if language == DEFAULT_LANGUAGE:
        same_language = same_language | ~row.language.exists()
    return (row.document_type == document_type) & same_language
