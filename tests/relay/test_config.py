"""Relay configuration: precedence of flags, environment and file; secrets never from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from core.relay.cli import add_arguments
from core.relay.config import PASSWORD_ENV, TOKENS_ENV, ConfigError, load_config
from core.relay.limits import RateLimiter
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


def test_token_bucket_allows_a_burst_then_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(capacity=2, per_second=0.5, clock=lambda: now[0])
    assert [limiter.take('a'), limiter.take('a'), limiter.take('a')] == [0, 0, 2]
    assert limiter.take('b') == 0
    now[0] = 2.0
    assert limiter.take('a') == 0 and limiter.take('a') == 2


def test_token_bucket_memory_stays_bounded() -> None:
    now = [0.0]
    limiter = RateLimiter(capacity=1, per_second=0.001, clock=lambda: now[0], max_keys=3)
    for key in 'abcdef':
        now[0] += 1
        limiter.take(key)
    assert limiter.take('f') > 0
    assert limiter.take('a') == 0
