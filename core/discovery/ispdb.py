"""The bundled snapshot of Thunderbird's ISPDB: settings for about a thousand mail domains, with no network.

The files in core/discovery/ispdb/ are Mozilla's, under MPL-2.0 (see README.md and LICENSE-MPL-2.0.txt there), and
are refreshed with tools/update_ispdb.py. The index is read on first use and each file parsed when first asked for.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from core.discovery.config_xml import ClientConfig, ConfigError, parse_client_config

ISPDB_DIR = Path(__file__).resolve().parent / 'ispdb'
INDEX_FILE = ISPDB_DIR / 'index.json'
LICENSE_FILE = ISPDB_DIR / 'LICENSE-MPL-2.0.txt'


@functools.cache
def _index() -> dict[str, str]:
    try:
        return dict(json.loads(INDEX_FILE.read_text(encoding='utf-8'))['domains'])
    except (OSError, ValueError, KeyError):
        return {}


@functools.cache
def _config(file_name: str) -> ClientConfig | None:
    try:
        return parse_client_config((ISPDB_DIR / file_name).read_bytes())
    except (OSError, ConfigError):
        return None


def lookup(domain: str) -> tuple[str, ClientConfig] | None:
    """The file and its settings for a domain the ISPDB names, or None."""
    file_name = _index().get(domain.lower().rstrip('.'))
    if file_name is None:
        return None
    config = _config(file_name)
    return (file_name, config) if config is not None and config.servers else None
