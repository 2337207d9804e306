"""Refresh the bundled snapshot of Thunderbird's ISPDB from a checkout of https://github.com/thunderbird/autoconfig.

    git clone --depth 1 https://github.com/thunderbird/autoconfig /tmp/autoconfig
    .venv/bin/python tools/update_ispdb.py /tmp/autoconfig

The ispdb/*.xml files are copied unchanged (they are MPL-2.0: the licence text goes beside them), and index.json maps
each domain the files name to its file, so that a lookup reads one small file instead of parsing all of them.
Files that Mailroom's reader refuses are reported and left out.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.discovery.config_xml import ConfigError, parse_client_config  # noqa: E402
from core.discovery.ispdb import INDEX_FILE, ISPDB_DIR, LICENSE_FILE  # noqa: E402

REPOSITORY = 'https://github.com/thunderbird/autoconfig'


def commit_of(checkout: Path) -> str:
    result = subprocess.run(
        ['git', '-C', str(checkout), 'rev-parse', 'HEAD'], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else ''


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('checkout', type=Path, help='a checkout of thunderbird/autoconfig')
    parser.add_argument('--commit', default='', help='the commit of the checkout (default: asked from git)')
    args = parser.parse_args(argv)
    source = args.checkout / 'ispdb'
    files = sorted(source.glob('*.xml'))
    if not files:
        print(f'update_ispdb: no ispdb/*.xml in {args.checkout}', file=sys.stderr)
        return 2
    for old in ISPDB_DIR.glob('*.xml'):
        old.unlink()
    domains: dict[str, str] = {}
    for path in files:
        try:
            config = parse_client_config(path.read_bytes())
        except ConfigError as error:
            print(f'update_ispdb: left out {path.name}: {error}', file=sys.stderr)
            continue
        shutil.copyfile(path, ISPDB_DIR / path.name)
        for domain in config.domains:
            domains.setdefault(domain, path.name)
    shutil.copyfile(args.checkout / 'LICENSE', LICENSE_FILE)
    index = {
        'source': REPOSITORY,
        'commit': args.commit or commit_of(args.checkout),
        'license': 'MPL-2.0',
        'domains': dict(sorted(domains.items())),
    }
    INDEX_FILE.write_text(json.dumps(index, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    print(f'{len(domains)} domains in {len(set(domains.values()))} files, written to {ISPDB_DIR.relative_to(ROOT)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
