"""The one TLS client context for SMTP and HTTPS, for sending and for the settings test alike.

The operating system's trust store (SSL_CERT_FILE and SSL_CERT_DIR honoured), TLS 1.2 at least, and one switch:
"Do not verify TLS certificate". httpx gets this context too, so it never falls back on certifi's bundle (a company CA
the computer trusts must pass the test and the send alike).
"""

from __future__ import annotations

import functools
import os
import ssl
import time

MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2


def smtp_context(verify: bool, *, check_hostname: bool = True) -> ssl.SSLContext:
    """For SMTP (implicit TLS or STARTTLS). The settings test passes `check_hostname=False` only to check the host
    name apart from the authority, and so tell the user which of the two failed.

    Shared until the trust store changes: loading the system's store costs ~40 ms of CPU. Callers must not modify it.
    """
    return _context(verify, verify and check_hostname, False, _trust_store_version() if verify else None)


def https_context(verify: bool) -> ssl.SSLContext:
    """For httpx: a context of its own, because httpx sets ALPN (http/1.1) on the context it is given and SMTP
    handshakes must not offer that."""
    return _context(verify, verify, True, _trust_store_version() if verify else None)


@functools.lru_cache(maxsize=16)
def _context(verify: bool, check_hostname: bool, http: bool, trust_store: tuple[object, ...] | None) -> ssl.SSLContext:
    """`http` and `trust_store` only key the cache: a changed trust store makes a new context."""
    context = ssl.create_default_context()
    context.minimum_version = MINIMUM_VERSION
    context.check_hostname = check_hostname
    if not verify:
        context.verify_mode = ssl.CERT_NONE
    return context


_RECHECK_SECONDS = 1.0
_last_check: tuple[float, tuple[str | None, str | None], tuple[object, ...]] | None = None


def _trust_store_version() -> tuple[object, ...]:
    """Where the trust store is (SSL_CERT_FILE/SSL_CERT_DIR honoured) and which version of the bundle file it is.

    A CA installed while the app runs (update-ca-certificates rewrites the bundle) therefore takes effect within a
    second; certificates added to the directory are found by OpenSSL on demand anyway. Looked at no more than once a
    second: finding the paths stats several files, about a millisecond, which every connection would otherwise pay.
    """
    global _last_check
    now, chosen = time.monotonic(), (os.environ.get('SSL_CERT_FILE'), os.environ.get('SSL_CERT_DIR'))
    if _last_check is not None and now - _last_check[0] < _RECHECK_SECONDS and _last_check[1] == chosen:
        return _last_check[2]
    version = _read_trust_store_version()
    _last_check = (now, chosen, version)
    return version


def _read_trust_store_version() -> tuple[object, ...]:
    paths = ssl.get_default_verify_paths()
    try:
        stat = os.stat(paths.cafile) if paths.cafile else None
    except OSError:
        stat = None
    version = (stat.st_ino, stat.st_size, stat.st_mtime_ns) if stat else None
    return paths.cafile, paths.capath, version
