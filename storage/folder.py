"""The data folder: one owner process, one database, one key, and the repositories over them."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from tinydb import TinyDB

from storage.atomic import AtomicJSONStorage
from storage.documents_repo import BusinessRepository, ContactsRepository, DocumentsRepository
from storage.email_log_repo import EmailLogRepository
from storage.secrets import SecretBox
from storage.settings_repo import SettingsRepository
from storage.templates_repo import TemplatesRepository
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
        self.db = TinyDB(path / DATABASE_FILE_NAME, storage=AtomicJSONStorage)
        self.box = SecretBox.for_folder(path)
        self.settings = SettingsRepository(self.db, self.box)
        self.email_log = EmailLogRepository(path / 'email_log')
        self.templates = TemplatesRepository(self.db)
        self.business = BusinessRepository(self.db)
        self.contacts = ContactsRepository(path / 'contacts')
        self.documents = DocumentsRepository(path / 'documents')
        self.web_password = WebPasswordRepository(self.db)

    def close(self) -> None:
        self.db.close()
        fcntl.flock(self._lock_file, fcntl.LOCK_UN)
        self._lock_file.close()


def _acquire_lock(lock_path: Path) -> IO[str]:
    """An advisory lock the OS releases when the process dies, so a crash never leaves the folder stuck."""
    handle = lock_path.open('a+')
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or 'another process'
        handle.close()
        raise FolderInUseError(
            f'Mailroom is already running with the data folder {lock_path.parent} (process {owner}). '
            'Use that window, stop it first, or choose another folder with --data-dir.'
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
