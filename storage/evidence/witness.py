"""Third-party witnesses: the Internet Archive's captures of a URL, optional and off by default.

- ``nearest_captures``: a CDX lookup of the URL (``/cdx/search/cdx?url=…&output=json``),
  the captures closest to the moments the bundle shows.
- ``request_save``: a Save Page Now request (``/save/URL``), made only when asked.

Never depended on: every failure (no network, a refusal, a timeout, junk) becomes a result
with an ``error``; nothing raises. Rate-limited: at most one request per
``min_interval`` seconds per process, and at most ``max_requests`` per bundle. The bundle
keeps what the witness answered (``evidence.json``: ``witnesses``). Tests point
``cdx_url``/``save_url`` at a local fake server (``tests/evidence/fakeia.py``).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

CDX_URL = "https://web.archive.org/cdx/search/cdx"
SAVE_URL = "https://web.archive.org/save/"
REPLAY_URL = "https://web.archive.org/web/"
USER_AGENT = "briefings-evidence/0.1 (+https://github.com/briefings-archive/briefings)"


@dataclass(frozen=True, slots=True)
class WitnessConfig:
    cdx_url: str = CDX_URL
    save_url: str = SAVE_URL
    replay_url: str = REPLAY_URL
    save: bool = False  # also ask for a Save Page Now capture
    timeout: float = 10.0
    min_interval: float = 5.0  # seconds between two requests of this process
    max_requests: int = 4  # per bundle
    limit: int = 3  # captures kept each side of a moment


class RateLimiter:
    """At most one call per ``interval`` seconds (a process-wide lock, monotonic clock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = float("-inf")

    def wait(self, interval: float) -> None:
        with self._lock:
            delay = self._last + interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._last = time.monotonic()


LIMITER = RateLimiter()


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _get(url: str, config: WitnessConfig, *, method: str = "GET") -> tuple[int, bytes]:
    LIMITER.wait(config.min_interval)
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=config.timeout) as response:
        return int(response.status), bytes(response.read(1_000_000))


def nearest_captures(url: str, moments: list[datetime], config: WitnessConfig) -> dict[str, Any]:
    """The witness's captures of ``url`` nearest to ``moments`` (a CDX lookup)."""
    query = urllib.parse.urlencode({"url": url, "output": "json", "limit": "-200"})
    lookup = f"{config.cdx_url}?{query}"
    result: dict[str, Any] = {
        "witness": "internet-archive",
        "kind": "cdx",
        "url": url,
        "query": lookup,
        "queried_at": _now(),
        "captures": [],
        "error": None,
    }
    try:
        status, body = _get(lookup, config)
        rows = json.loads(body.decode("utf-8") or "[]") if status == 200 else None
    except (OSError, ValueError, urllib.error.URLError) as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"[:300]
        return result
    if rows is None:
        result["error"] = f"HTTP {status}"
        return result
    result["captures"] = _nearest(_rows(rows, config), moments, config.limit)
    return result


def _rows(rows: Any, config: WitnessConfig) -> list[dict[str, Any]]:
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], list):
        return []
    header, found = rows[0], []
    for row in rows[1:]:
        if not isinstance(row, list) or len(row) != len(header):
            continue
        entry = dict(zip(header, (str(v) for v in row), strict=True))
        stamp = entry.get("timestamp", "")
        if len(stamp) != 14 or not stamp.isdigit():
            continue
        found.append(
            {
                "timestamp": stamp,
                "original": entry.get("original"),
                "status": entry.get("statuscode"),
                "digest": entry.get("digest"),
                "mimetype": entry.get("mimetype"),
                "replay_url": f"{config.replay_url}{stamp}/{entry.get('original')}",
            }
        )
    return found


def _nearest(
    rows: list[dict[str, Any]], moments: list[datetime], limit: int
) -> list[dict[str, Any]]:
    def when(row: dict[str, Any]) -> datetime:
        return datetime.strptime(row["timestamp"], "%Y%m%d%H%M%S").replace(tzinfo=UTC)

    chosen: dict[str, dict[str, Any]] = {}
    for moment in moments:
        for row in sorted(rows, key=lambda r: abs((when(r) - moment).total_seconds()))[:limit]:
            chosen[row["timestamp"]] = row
    return [chosen[k] for k in sorted(chosen)]


def request_save(url: str, config: WitnessConfig) -> dict[str, Any]:
    """Ask the witness to capture ``url`` now (Save Page Now)."""
    target = f"{config.save_url}{url}"
    result: dict[str, Any] = {
        "witness": "internet-archive",
        "kind": "save-page-now",
        "url": url,
        "requested_at": _now(),
        "status": None,
        "error": None,
    }
    try:
        status, _ = _get(target, config, method="POST")
    except urllib.error.HTTPError as exc:
        result["status"] = exc.code
        result["error"] = f"HTTP {exc.code}"
        return result
    except (OSError, urllib.error.URLError) as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"[:300]
        return result
    result["status"] = status
    return result


def gather(urls: list[str], moments: list[datetime], config: WitnessConfig) -> list[dict[str, Any]]:
    """Witness results for a bundle: CDX lookups (and saves, with ``config.save``) of its
    URLs, within ``config.max_requests``."""
    results: list[dict[str, Any]] = []
    budget = config.max_requests
    for url in dict.fromkeys(urls):
        if budget <= 0:
            break
        results.append(nearest_captures(url, moments, config))
        budget -= 1
        if config.save and budget > 0:
            results.append(request_save(url, config))
            budget -= 1
    return results
