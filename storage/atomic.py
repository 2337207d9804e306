"""A TinyDB storage that survives being killed mid-write, serialised behind one lock."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from tinydb.storages import Storage


def write_atomically(path: Path, payload: bytes) -> None:
    """Write a temp file beside the target, fsync it, rename it over the target, fsync the folder.

    A reader (or a restart after a crash) sees either the old file or the new one, never a torn mix.
    """
    folder = path.parent
    handle, temp_name = tempfile.mkstemp(prefix=f'.{path.name}.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(handle, 'wb') as temp:
            temp.write(payload)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    fsync_folder(folder)


def write_new_file(path: Path, payload: bytes) -> None:
    """Write a file under a name nothing refers to yet, not yet durable: the caller calls sync_everything() before
    writing the record that names it (a torn file is never read before that record exists)."""
    with path.open('wb') as file:
        file.write(payload)
    path.chmod(0o600)


def replace_many(files: dict[Path, bytes]) -> None:
    """Replace several files at once, each whole or not at all: every new version is written beside its target and
    flushed with one sync, then all are renamed into place and the renames flushed with another. Two syncs for
    dozens of files, instead of two fsyncs each."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, payload in files.items():
            handle, temp_name = tempfile.mkstemp(prefix=f'.{path.name}.', suffix='.tmp', dir=path.parent)
            staged.append((temp_name, path))
            with os.fdopen(handle, 'wb') as temp:
                temp.write(payload)
            os.chmod(temp_name, 0o600)
        sync_everything()
    except BaseException:
        for temp_name, _path in staged:
            Path(temp_name).unlink(missing_ok=True)
        raise
    for temp_name, path in staged:
        os.replace(temp_name, path)
    sync_everything()


def sync_everything() -> None:
    """Flush every written file and folder to disk and wait for it (Linux's sync waits): one call for many files."""
    os.sync()


def fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class AtomicJSONStorage(Storage):
    """JSON file storage for TinyDB with crash-safe writes; keeps the last state in memory to avoid re-reading."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._cache: dict[str, dict[str, Any]] | None = None
        for leftover in self.path.parent.glob(f'.{self.path.name}.*.tmp'):
            leftover.unlink(missing_ok=True)  # a write that was killed before its rename; the target is intact

    def read(self) -> dict[str, dict[str, Any]] | None:
        with self._lock:
            if self._cache is None:
                try:
                    self._cache = json.loads(self.path.read_bytes())
                except FileNotFoundError:
                    return None
            return json.loads(json.dumps(self._cache))

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        with self._lock:
            payload = json.dumps(data, ensure_ascii=False, separators=(',', ':')).encode()
            write_atomically(self.path, payload)
            self._cache = json.loads(payload)

    def close(self) -> None:
        """Nothing stays open between writes."""
