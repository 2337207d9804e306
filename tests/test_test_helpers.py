"""The test helpers themselves: a wait that ends and says what it waited for, tools that CI cannot lack, markers."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.smtp_servers import smtp_server
from tests.support.tools import require_tool
from tests.support.waiting import wait_until, wait_until_sync

pytest_plugins = ['pytester']


async def test_a_wait_that_never_comes_true_fails_naming_what_it_waited_for() -> None:
    with pytest.raises(AssertionError, match=r'waited 0\.2 s for the server to greet, in vain'):
        await wait_until(lambda: False, timeout=0.2, message='the server to greet')


async def test_a_wait_ends_as_soon_as_the_condition_holds_also_when_it_is_awaited() -> None:
    checks: list[int] = []

    async def third_time() -> bool:
        checks.append(1)
        return len(checks) == 3

    await wait_until(third_time, timeout=5, interval=0, message='the third check')
    assert len(checks) == 3


async def test_a_timeout_inside_the_condition_is_its_own_error_not_the_wait_running_out() -> None:
    async def slow_answer() -> bool:
        async with asyncio.timeout(0.01):
            await asyncio.sleep(1)
        return True

    with pytest.raises(TimeoutError):
        await wait_until(slow_answer, timeout=5, message='an answer')


async def test_the_smtp_server_ends_its_sessions_when_it_stops() -> None:
    """A session still open when the server stops must not be left pending: at loop close it would be reported as a
    coroutine never awaited, in whichever test happened to run then."""
    async with smtp_server() as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        assert (await reader.readline()).startswith(b'220')  # the session's task is running
    sessions = [t for t in asyncio.all_tasks() if '_handle_client' in repr(t.get_coro())]
    writer.close()
    assert sessions == []


def test_a_synchronous_wait_fails_naming_what_it_waited_for() -> None:
    with pytest.raises(AssertionError, match=r'waited 0\.1 s for redis to answer, in vain'):
        wait_until_sync(lambda: False, timeout=0.1, interval=0.01, message='redis to answer')


def test_a_missing_tool_skips_locally_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('PATH', '')
    monkeypatch.delenv('CI', raising=False)
    with pytest.raises(pytest.skip.Exception, match=r'qpdf is not installed here \(apt-get install qpdf\)'):
        require_tool('qpdf', install='apt-get install qpdf')


def test_a_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('PATH', '')
    monkeypatch.setenv('CI', 'true')
    with pytest.raises(pytest.fail.Exception, match=r'chromium is not installed here .* CI must have it'):
        require_tool('chromium', 'chromium-browser', install='apt-get install chromium')


def test_a_present_tool_is_found_by_any_of_its_names() -> None:
    assert require_tool('no-such-program-here', 'sh', install='').endswith('/sh')


@pytest.mark.parametrize('marked', [True, False])
def test_a_test_that_drives_chromium_without_the_browser_marker_stops_the_run(
    pytester: pytest.Pytester, marked: bool
) -> None:
    pytester.makeini(
        '[pytest]\nasyncio_default_fixture_loop_scope = function\nmarkers =\n    browser: drives Chromium\n'
    )
    pytester.makeconftest('from tests.browser.conftest import browser, page, pytest_collection_modifyitems  # noqa')
    mark = '@pytest.mark.browser\n' if marked else ''
    pytester.makepyfile(f'import pytest\n\n{mark}def test_drives_chromium(page):\n    pass\n')
    result = pytester.runpytest('--collect-only', '-q')
    if marked:
        assert result.ret == pytest.ExitCode.OK
    else:
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines(['*drive Chromium but lack @pytest.mark.browser: test_*.py::test_drives_chromium'])
