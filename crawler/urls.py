"""URL canonicalization for the ministry's sites."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

# The ministry serves the same pages on these hosts; the first is canonical.
MINISTRY_HOSTS = ("www.fmprc.gov.cn", "www.mfa.gov.cn", "fmprc.gov.cn", "mfa.gov.cn")
CANONICAL_HOST = "www.fmprc.gov.cn"


def is_ministry_host(host: str | None) -> bool:
    return (host or "").lower().rstrip(".") in MINISTRY_HOSTS


def canonical_url(url: str) -> str:
    """One spelling per page: https and one host for the ministry's aliases.

    Any other host (a mirror, a test server) is kept as fetched; the fragment is dropped.
    """
    parts = urlsplit(url.strip())
    if is_ministry_host(parts.hostname):
        return urlunsplit(("https", CANONICAL_HOST, parts.path or "/", parts.query, ""))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
