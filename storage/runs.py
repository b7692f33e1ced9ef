"""Judging a crawl run from its stats, never from an exit code (``scrapy crawl`` exits 0
even when every request failed).

Rules of ``judge_run(stats, finish_reason)``, first match wins:

1. the finish reason is not ``"finished"`` (``shutdown``, ``closespider_*``, ``busy``,
   ``cancelled``, ...): failed, "finish reason X";
2. spider callbacks raised (``spider_exceptions/*`` > 0): failed;
3. the pipeline could not store or parse something (``briefings/error`` > 0): failed;
4. nothing was requested (``downloader/request_count`` is 0 or missing): failed, unless the
   run was a revisit with nothing due (``briefings/revisit_targets`` is 0): succeeded;
5. requests but no successful response (no 2xx or 304 in
   ``downloader/response_status_count/*``): failed; when there were download exceptions
   and no response at all the reason says "every download failed";
6. errors were logged (``log_count/ERROR`` > 0: retries given up, pipeline errors): failed;
7. otherwise succeeded.

Missing list pages (the site's 302 to ``/error.htm``) are 200 responses and not errors, so
they do not fail a run; suspect or not-a-transcript pages do not either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SUCCEEDED = "succeeded"
FAILED = "failed"


def _count(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    return int(value) if isinstance(value, int | float) else 0


def _sum_prefix(stats: Mapping[str, Any], prefix: str) -> int:
    return sum(_count(stats, k) for k in stats if k.startswith(prefix))


def successful_responses(stats: Mapping[str, Any]) -> int:
    prefix = "downloader/response_status_count/"
    total = 0
    for key in stats:
        if key.startswith(prefix):
            code = key[len(prefix) :]
            if code.startswith("2") or code == "304":
                total += _count(stats, key)
    return total


def judge_run(stats: Mapping[str, Any], finish_reason: str | None) -> tuple[str, str | None]:
    """``(status, reason)``: ``("succeeded", None)`` or ``("failed", "why, in one line")``."""
    if finish_reason != "finished":
        return FAILED, f"finish reason {finish_reason or 'unknown'}"
    exceptions = _sum_prefix(stats, "spider_exceptions/")
    if exceptions:
        return FAILED, f"{exceptions} spider exception(s)"
    storage_errors = _count(stats, "briefings/error")
    if storage_errors:
        return FAILED, f"{storage_errors} page(s) could not be processed"
    requests = _count(stats, "downloader/request_count")
    if requests == 0:
        if stats.get("briefings/revisit_targets") == 0:
            return SUCCEEDED, None  # a revisit with nothing due did its job
        return FAILED, "nothing was requested"
    if successful_responses(stats) == 0:
        responses = _count(stats, "downloader/response_count")
        if _count(stats, "downloader/exception_count") and responses == 0:
            return FAILED, f"every download failed ({requests} requests)"
        return FAILED, f"no successful response to {requests} requests"
    errors = _count(stats, "log_count/ERROR")
    if errors:
        return FAILED, f"{errors} error(s) logged"
    return SUCCEEDED, None


def summarize_stats(stats: Mapping[str, Any]) -> dict[str, int]:
    """The figures people look at, from Scrapy's and the pipeline's stats."""
    return {
        "requests": _count(stats, "downloader/request_count"),
        "new": _count(stats, "briefings/new"),
        "revised": _count(stats, "briefings/revised"),
        "unchanged": _count(stats, "briefings/unchanged"),
        "not_modified": _count(stats, "briefings/not_modified"),
        "suspect": _count(stats, "briefings/suspect"),
        "errors": _count(stats, "briefings/error"),
    }
