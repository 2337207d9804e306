"""The data folder: one owner process, one database, one key, and the repositories over them."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from tinydb import TinyDB

from core.i18n import _
from storage.atomic import AtomicJSONStorage
from storage.batches_repo import BatchesRepository
from storage.documents_repo import BusinessRepository, ContactsRepository, DocumentsRepository
from storage.email_log_repo import EmailLogRepository
from storage.preferences_repo import PreferencesRepository
from storage.reminders_repo import RemindersRepository
from storage.secrets import DataFileError, SecretBox
from storage.sending_limits_repo import SendingLimitsRepository
from storage.server_facts_repo import ServerFactsRepository
from storage.settings_repo import SettingsRepository
from storage.templates_repo import TemplatesRepository
from storage.type_attachments_repo import TypeAttachmentsRepository
from storage.web_password import WebPasswordRepository

DATABASE_FILE_NAME = 'mailroom.json'
LOCK_FILE_NAME = '.lock'


class FolderInUseError(RuntimeError):
    """Another Mailroom process already owns this data folder."""


class DataFolder:
    """Opens (creating if needed, mode 0700) the data folder and holds exclusive ownership until closed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o700)
        self._lock_file = _acquire_lock(path / LOCK_FILE_NAME)
        try:
            self.db = _open_database(path / DATABASE_FILE_NAME)
            self.box = SecretBox.for_folder(path)
        except DataFileError:
            self._release_lock()
            raise
        self.settings = SettingsRepository(self.db, self.box)
        self.email_log = EmailLogRepository(path / 'email_log')
        self.templates = TemplatesRepository(self.db)
        self.type_attachments = TypeAttachmentsRepository(self.db, path / 'type_attachments')
        self.business = BusinessRepository(self.db)
        self.contacts = ContactsRepository(path / 'contacts')
        self.documents = DocumentsRepository(path / 'documents')
        self.web_password = WebPasswordRepository(self.db)
        self.reminders = RemindersRepository(self.db)
        self.batches = BatchesRepository(self.db)
        self.sending_limits = SendingLimitsRepository(self.db)
        self.server_facts = ServerFactsRepository(self.db)
        self.preferences = PreferencesRepository(self.db)

    def close(self) -> None:
        self.db.close()
        self._release_lock()

    def _release_lock(self) -> None:
        fcntl.flock(self._lock_file, fcntl.LOCK_UN)
        self._lock_file.close()


def _open_database(database: Path) -> TinyDB:
    """Read once at start, so a damaged file stops Mailroom with its name instead of failing later, page by page."""
    db = TinyDB(database, storage=AtomicJSONStorage)
    try:
        content = db.storage.read()
    except OSError as error:
        raise DataFileError(
            _(
                'The settings file {file} cannot be read ({reason}). Make it readable for the user who runs Mailroom.'
            ).format(file=database, reason=error.strerror)
        ) from error
    except ValueError as error:  # not JSON, or not UTF-8
        raise _damaged(database) from error
    tables = content.values() if isinstance(content, dict) else [content]
    if content is not None and not all(isinstance(table, dict) for table in tables):
        raise _damaged(database)
    return db


def _damaged(database: Path) -> DataFileError:
    return DataFileError(
        _(
            'The settings file {file} is damaged and cannot be read. Put back a copy from a backup, or move the file '
            'away to start again with empty settings, business details and templates (documents, contacts and the '
            'email log are kept in their own folders).'
        ).format(file=database)
    )


def _acquire_lock(lock_path: Path) -> IO[str]:
    """An advisory lock the OS releases when the process dies, so a crash never leaves the folder stuck."""
    handle = lock_path.open('a+')
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or _('another process')
        handle.close()
        raise FolderInUseError(
            _(
                'Mailroom is already running with the data folder {folder} (process {process}). Use that window, stop '
                'it first, or choose another folder with --data-dir.'
            ).format(folder=lock_path.parent, process=owner)
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
