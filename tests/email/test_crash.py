"""A process killed while emails are queued (one of them mid-send) loses none: the next start sends them all."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import subprocess
import sys
from pathlib import Path

from core.email_log import EmailStatus
from core.message import Attachment
from core.outbox import Outbox
from core.settings import Security
from core.transport import transport_for
from storage.folder import DataFolder
from tests.email.conftest import smtp_settings, submission_server
from tests.support.certs import TestPKI
from tests.support.smtp_servers import raw_server, silent, smtp_server

PDF = Attachment('Sales Invoice.pdf', 'application/pdf', b'%PDF-1.7 queued before the crash')
ROOT = Path(__file__).resolve().parents[2]
COUNT = 5


async def test_killed_process_loses_no_queued_email(tmp_path: Path, pki: TestPKI, trust_pki: None) -> None:
    async with raw_server(silent) as black_hole:
        folder = DataFolder(tmp_path)
        folder.settings.save(smtp_settings(port=black_hole.port, security=Security.NONE, allow_plaintext=True))
        folder.close()
        child = await asyncio.create_subprocess_exec(
            sys.executable, '-m', 'tests.email.crash_child', str(tmp_path), str(COUNT),
            cwd=ROOT, stdout=subprocess.PIPE, env={**os.environ, 'PYTHONPATH': str(ROOT)},
        )  # fmt: skip
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), 20)
        assert line.decode().strip() == f'queued {COUNT}'
        child.send_signal(signal.SIGKILL)
        await asyncio.wait_for(child.wait(), 10)

    async with smtp_server(submission_server(pki)) as server:
        folder = DataFolder(tmp_path)
        try:
            folder.settings.save(smtp_settings(port=server.port))
            before = folder.email_log.all()
            assert len(before) == COUNT
            assert sum(r.status is EmailStatus.SENDING for r in before) == 1
            outbox = Outbox(folder.email_log, folder.settings.load, lambda s: transport_for(s, timeout=5))
            assert len(outbox.resume()) == COUNT
            results = await outbox.run_due()
            assert [r.status for r in results] == [EmailStatus.SENT] * COUNT
        finally:
            folder.close()

    subjects = sorted(str(email.message_from_bytes(m.content)['Subject']) for m in server.recorder.messages)
    assert subjects == [f'Invoice INV-{n:04d}' for n in range(COUNT)]
