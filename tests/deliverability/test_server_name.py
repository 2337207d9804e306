"""The name the SMTP server introduced itself with reaches the reverse-DNS rule from a real settings test."""

from __future__ import annotations

from core.deliverability.check import server_name_from
from tests.diagnostics.conftest import ACCOUNTS, run, smtp_settings
from tests.support.certs import TestPKI
from tests.support.smtp_servers import smtp_server


async def test_the_server_name_comes_from_the_ehlo_step_of_the_settings_test(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port), send=False)
    assert result.verdict.passed
    assert server_name_from(result.events) == 'mx.test.invalid'  # what the test server calls itself
