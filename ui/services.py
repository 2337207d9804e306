"""What every page is handed: the app's composition, built once in main.py (or a test)."""

from __future__ import annotations

from dataclasses import dataclass

from core.outbox import Outbox
from storage.folder import DataFolder


@dataclass
class Services:
    folder: DataFolder
    outbox: Outbox | None = None  # created on first use by ui.emails_page.outbox_of
