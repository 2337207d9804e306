"""Relay configuration: precedence of flags, environment and file; secrets never from the command line."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import pytest

from cli.relay import add_arguments, load_config
from core.relay.config import PASSWORD_ENV, TOKENS_ENV, ConfigError
from core.relay.limits import RateLimits, Rule, reply_to_key, token_key
from core.settings import Security

BASE = ['--upstream-host', 'smtp.example.com', '--sender', 'relay@example.com']


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args([*BASE, *argv])


def test_flags_win_over_environment_which_wins_over_the_file(tmp_path: Path) -> None:
    config_file = tmp_path / 'relay.toml'
    config_file.write_text('[relay]\nupstream_port = 2525\nmax_recipients = 4\nretries = 1\n')
    env = {'MAILROOM_RELAY_MAX_RECIPIENTS': '6', 'MAILROOM_RELAY_RETRIES': '2'}
    config = load_config(parse('--config', str(config_file), '--retries', '5'), env)
    assert config.upstream.port == 2525
    assert config.limits.max_recipients == 6
    assert config.retries == 5


def test_defaults_are_the_documented_safe_ones() -> None:
    config = load_config(parse(), {})
    assert (config.limits.max_recipients, config.limits.max_message_bytes) == (10, 10_000_000)
    assert (config.listen_host, config.listen_port) == ('127.0.0.1', 8025)
    assert config.upstream.effective_security is Security.STARTTLS and not config.tokens


def test_password_and_tokens_come_from_environment_or_files(tmp_path: Path) -> None:
    config = load_config(parse('--upstream-username', 'relay'), {PASSWORD_ENV: 'from-env', TOKENS_ENV: 'a, b'})
    assert config.upstream.password == 'from-env' and config.tokens == {'a', 'b'}
    (tmp_path / 'pw').write_text('from-file\n')
    (tmp_path / 'tokens').write_text('one\n\ntwo\n')
    config = load_config(
        parse('--upstream-username', 'relay', '--upstream-password-file', str(tmp_path / 'pw'), '--tokens-file',
              str(tmp_path / 'tokens')),
        {PASSWORD_ENV: 'ignored'},
    )  # fmt: skip
    assert config.upstream.password == 'from-file' and config.tokens == {'one', 'two'}
    assert 'from-file' not in repr(config)


@pytest.mark.parametrize('flag', ['--upstream-password', '--token', '--tokens'])
def test_secrets_on_the_command_line_are_refused_without_echo(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(flag, 'Secret-On-Argv')
    error = capsys.readouterr().err
    assert 'not accepted on the command line' in error and 'Secret-On-Argv' not in error


def test_a_secret_in_the_config_file_is_refused(tmp_path: Path) -> None:
    config_file = tmp_path / 'relay.toml'
    config_file.write_text('upstream_password = "secret"\n')
    with pytest.raises(ConfigError, match='upstream_password_file'):
        load_config(parse('--config', str(config_file)), {})


@pytest.mark.parametrize(
    ('argv', 'env', 'message'),
    [
        (['--sender', ''], {}, '--sender is required'),
        (['--sender', 'not an address'], {}, '--sender:'),
        (['--upstream-username', 'relay'], {}, 'needs a password'),
        (['--listen', '8025'], {}, '--listen'),
        (['--upstream-port', 'many'], {}, '--upstream-port'),
        (['--upstream-security', 'tls13'], {}, '--upstream-security'),
    ],
)
def test_bad_configuration_is_explained(argv: list[str], env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(parse(*argv), env)


def test_new_limits_have_the_documented_defaults() -> None:
    config = load_config(parse(), {})
    assert (config.max_upstream_sessions, config.upstream_wait, config.rate_limit_storage) == (8, 10.0, 'memory')
    assert (config.limits.token_burst, config.limits.token_per_hour) == (30, 300.0)
    assert (config.header_timeout, config.body_timeout, config.max_connections) == (10.0, 60.0, 1000)


@pytest.mark.parametrize(
    ('url', 'message'),
    [
        ('memcached://cache:11211', 'expected memory or redis://host:port'),
        ('redis://', 'expected memory or redis://host:port'),
        ('redis://cache:port', 'must be a number'),
    ],
)
def test_a_bad_rate_limit_storage_is_explained(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(parse('--rate-limit-storage', url), {})


def test_a_redis_password_is_accepted_only_from_the_environment(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match='RATE_LIMIT_STORAGE') as refused:
        load_config(parse('--rate-limit-storage', 'redis://:Redis-Secret@cache:6379'), {})
    assert 'Redis-Secret' not in str(refused.value)
    config = load_config(parse(), {'MAILROOM_RELAY_RATE_LIMIT_STORAGE': 'redis://:Redis-Secret@cache:6379/2'})
    assert config.rate_limit_storage == 'redis://:Redis-Secret@cache:6379/2'
    assert 'Redis-Secret' not in repr(config)


def test_a_window_allows_the_burst_then_says_when_it_frees_up(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(time, 'time', lambda: now[0])
    limits, rule = RateLimits(), Rule(burst=2, per_second=0.5)

    async def takes(key: str, count: int) -> list[int]:
        return [await limits.take(rule, 'ip', key) for _ in range(count)]

    async def scenario() -> None:
        assert await takes('a', 3) == [0, 0, 4]
        assert await takes('b', 1) == [0]
        now[0] += 4.5
        assert await takes('a', 3) == [0, 0, 4]

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ('address', 'key'),
    [('Office+June@Acme.example', 'office@acme.example'), (' office@ACME.example', 'office@acme.example')],
)
def test_reply_to_limits_count_a_mailbox_once_whatever_its_tag_or_case(address: str, key: str) -> None:
    assert reply_to_key(address) == key


def test_a_token_is_counted_under_a_digest_never_as_itself() -> None:
    assert token_key('tok-6c1d2f0a9b') != token_key('tok-6c1d2f0a9c')
    assert 'tok-6c1d2f0a9b' not in token_key('tok-6c1d2f0a9b')
