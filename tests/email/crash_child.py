"""Run as a child process by test_crash: queue emails, start sending to a server that never answers, then wait
to be killed. Prints `queued <n>` once every email is in the log and one of them is being sent."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from core.email_log import EmailStatus
from core.outbox import Outbox
from core.transport.smtp import SmtpTransport
from storage.folder import DataFolder
from tests.email.conftest import make_draft
from tests.email.test_crash import PDF
from tests.support.waiting import wait_until


async def main(folder_path: Path, count: int) -> None:
    folder = DataFolder(folder_path)
    outbox = Outbox(folder.email_log, folder.settings.load, lambda s: SmtpTransport(s, timeout=60))
    for n in range(count):
        outbox.enqueue(make_draft(document_id=f'doc-{n}', subject=f'Invoice INV-{n:04d}'), [PDF])
    sender = asyncio.create_task(outbox.run_due())
    await wait_until(
        lambda: any(r.status is EmailStatus.SENDING for r in folder.email_log.all()), message='an email being sent'
    )
    print(f'queued {count}', flush=True)
    await sender


if __name__ == '__main__':
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
