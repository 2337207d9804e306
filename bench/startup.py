"""Startup time and resident memory of Mailroom against a minimal NiceGUI app, measured alternately in the same run.

Time: from process start to the first page served, as a person opening the app waits for it: Mailroom's /settings
asked for in Icelandic (Accept-Language: is), with both language catalogues loaded as main.py loads them at start-up;
the minimal app's /. Memory: VmRSS right after that page. Aim: time within 1.3x of the minimal app, memory within 1.5x.
Run: .venv/bin/python bench/startup.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx

ROOT = Path(__file__).resolve().parent.parent
TIME_AIM = 1.3
MEMORY_AIM = 1.5
POLL_INTERVAL = 0.02
REQUEST_TIMEOUT = 2.0
STOP_TIMEOUT = 10.0

MINIMAL_APP = """\
import sys

from nicegui import app, ui


@ui.page('/')
def index() -> None:
    ui.label('Hello')


@app.get('/status')
async def status() -> dict[str, str]:
    return {'status': 'ok'}


ui.run(port=int(sys.argv[1]), show=False, reload=False)
"""


@dataclass(frozen=True)
class Sample:
    seconds: float
    cpu_seconds: float
    rss_page_kib: int


@dataclass(frozen=True)
class Subject:
    """One app to start: how to launch it on a port, which page counts as the first page, in which language, and
    what that page must say (so that the language is really the one measured)."""

    name: str
    page: str
    language: str = 'en'
    page_says: str = ''

    def prepare(self, python: str, port: int, workdir: Path) -> list[str]:
        """Write what the app needs into workdir; return the command that starts it."""
        if self.name == 'minimal':
            script = workdir / 'minimal_app.py'
            script.write_text(MINIMAL_APP)
            return [python, str(script), str(port)]
        data_dir = workdir / 'data'
        main = str(ROOT / 'main.py')
        return [python, main, '--no-browser', '--port', str(port), '--data-dir', str(data_dir), '--empty']


MAILROOM = Subject('mailroom', '/settings', language='is', page_says='<html lang="is">')
MINIMAL = Subject('minimal', '/', page_says='Hello')


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(('127.0.0.1', 0))
        port: int = probe.getsockname()[1]
        return port


def clean_environment() -> dict[str, str]:
    """Without PYTEST_* variables, which would make NiceGUI behave as under test, and without
    PYTHONDONTWRITEBYTECODE: on a user's computer Python keeps each module's compiled bytecode after the first start
    (the unmeasured warm-up start here), as pip did for NiceGUI's when it installed it. With the variable set, every
    start would compile Mailroom's own modules again while NiceGUI's stay compiled: a cost no user's start pays."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith('PYTEST_') and key != 'PYTHONDONTWRITEBYTECODE'
    }


def rss_kib(pid: int) -> int:
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
    raise RuntimeError(f'no VmRSS for process {pid}')


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time so far: less sensitive than wall time to other load on the machine."""
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the whole process group; kill it if it lingers or if we are interrupted while waiting."""
    try:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pass
    finally:
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def started(command: list[str], workdir: Path) -> Iterator[subprocess.Popen[bytes]]:
    with (workdir / 'output.log').open('wb') as log:
        process = subprocess.Popen(
            command, cwd=workdir, env=clean_environment(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            stop(process)


def log_tail(workdir: Path) -> str:
    lines = (workdir / 'output.log').read_text(errors='replace').splitlines()
    return '\n'.join(lines[-15:])


def wait_for_page(
    process: subprocess.Popen[bytes], client: httpx.Client, url: str, deadline: float, language: str
) -> httpx.Response:
    """The first 200 for the page, asked for again until the server is up."""
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'exited with code {process.returncode} before answering')
        try:
            page = client.get(url, headers={'Accept-Language': language})
        except httpx.TransportError:
            page = None
        if page is not None and page.status_code == 200:
            return page
        time.sleep(POLL_INTERVAL)
    raise RuntimeError(f'no 200 from {url} in time')


def measure(subject: Subject, python: str, timeout: float) -> Sample:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix=f'startup-{subject.name}-') as folder:
        workdir = Path(folder)
        command = subject.prepare(python, port, workdir)
        with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
            began = time.perf_counter()
            with started(command, workdir) as process:
                try:
                    page = wait_for_page(
                        process, client, f'http://127.0.0.1:{port}{subject.page}', began + timeout, subject.language
                    )
                    seconds = time.perf_counter() - began
                    cpu = cpu_seconds(process.pid)
                    rss_page = rss_kib(process.pid)
                    if subject.page_says not in page.text:
                        raise RuntimeError(f'{subject.page} does not say {subject.page_says!r}')
                except RuntimeError as error:
                    raise RuntimeError(f'{subject.name}: {error}\n{log_tail(workdir)}') from error
    return Sample(seconds, cpu, rss_page)


def ratio_line(label: str, mailroom: float, minimal: float, unit: str) -> tuple[str, float]:
    ratio = mailroom / minimal
    return f'{label:<28} mailroom {mailroom:8.1f} {unit}   minimal {minimal:8.1f} {unit}   ratio {ratio:.2f}x', ratio


def report(results: dict[str, list[Sample]]) -> bool:
    def medians(field: str, scale: float) -> tuple[float, float]:
        def median(name: str) -> float:
            return float(statistics.median(getattr(sample, field) for sample in results[name])) * scale

        return median('mailroom'), median('minimal')

    time_text, time_ratio = ratio_line('start -> first page', *medians('seconds', 1000), 'ms')
    cpu_text, _ = ratio_line('CPU until first page', *medians('cpu_seconds', 1000), 'ms')
    page_text, memory_ratio = ratio_line('RSS after first page', *medians('rss_page_kib', 1 / 1024), 'MiB')
    rounds = len(results['mailroom'])
    print(
        f'medians of {rounds} rounds each (Mailroom: /settings in Icelandic, both catalogues loaded at start-up; '
        'minimal NiceGUI app: /)'
    )
    for text in (time_text, cpu_text, page_text):
        print(text)
    within = time_ratio <= TIME_AIM and memory_ratio <= MEMORY_AIM
    verdict = 'within aim' if within else 'OVER aim'
    print(
        f'verdict: time {time_ratio:.2f}x (aim <= {TIME_AIM}x), memory {memory_ratio:.2f}x (aim <= {MEMORY_AIM}x) '
        f'-> {verdict}'
    )
    return within


def interrupt_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """A SIGTERM unwinds like Ctrl-C, so the started apps are stopped on the way out."""
    raise KeyboardInterrupt


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument('--rounds', type=int, default=5, help='measured starts per app (default: %(default)s)')
    parser.add_argument('--warmup', type=int, default=1, help='unmeasured starts per app first (default: %(default)s)')
    parser.add_argument('--timeout', type=float, default=60.0, help='seconds allowed per start (default: %(default)s)')
    venv_python = ROOT / '.venv' / 'bin' / 'python'
    parser.add_argument(
        '--python',
        default=str(venv_python) if venv_python.exists() else sys.executable,
        help='interpreter that runs both apps (default: %(default)s)',
    )
    args = parser.parse_args()
    if args.rounds < 1 or args.warmup < 0:
        parser.error('--rounds must be at least 1 and --warmup at least 0')
    return args


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, interrupt_on_sigterm)
    subjects = (MAILROOM, MINIMAL)
    for _ in range(args.warmup):
        for subject in subjects:
            measure(subject, args.python, args.timeout)
    results: dict[str, list[Sample]] = {subject.name: [] for subject in subjects}
    for round_number in range(args.rounds):
        order = subjects if round_number % 2 == 0 else subjects[::-1]
        for subject in order:
            sample = measure(subject, args.python, args.timeout)
            results[subject.name].append(sample)
            print(
                f'round {round_number + 1} {subject.name:<8} {sample.seconds * 1000:7.0f} ms '
                f'(CPU {sample.cpu_seconds * 1000:5.0f} ms)  RSS {sample.rss_page_kib / 1024:6.1f} MiB',
                flush=True,
            )
    return 0 if report(results) else 1


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print('interrupted: started apps were stopped', file=sys.stderr)
        sys.exit(130)
    except RuntimeError as failure:
        print(f'failed: {failure}', file=sys.stderr)
        sys.exit(2)
