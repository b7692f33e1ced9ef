"""A WACZ (a zip of WARCs, indexes and pages, described by ``datapackage.json``): its WARCs,
each checked against the sha256 the datapackage gives before any record of it is used.

A WARC whose hash does not match (or that the datapackage does not list, or that is
missing) is reported with the WACZ's name and the member's path, and none of its records
is imported; the other WARCs of the WACZ still are. Hashes are checked by streaming the
member (a WACZ can be larger than memory).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

__all__ = ["BadWacz", "WaczMember", "open_member", "wacz_members"]

CHUNK = 1 << 20
WARC_SUFFIXES = (".warc", ".warc.gz")


class BadWacz(ValueError):
    """The WACZ as a whole cannot be read (not a zip, no datapackage.json)."""


@dataclass(frozen=True, slots=True)
class WaczMember:
    path: str  # inside the zip, e.g. "archive/data.warc.gz"
    sha256: str | None  # verified, lower-case hex; None when ``problem`` is set
    problem: str | None  # why it is not imported


def wacz_members(archive: zipfile.ZipFile) -> Iterator[WaczMember]:
    """The WARCs of the WACZ, each verified against ``datapackage.json``, in its order."""
    listed = _datapackage_hashes(archive)
    names = set(archive.namelist())
    for path, expected in listed.items():
        if not path.endswith(WARC_SUFFIXES):
            continue
        if path not in names:
            yield WaczMember(path, None, "listed in datapackage.json but not in the WACZ")
            continue
        yield _verified(archive, path, expected)
    for path in sorted(names - set(listed)):
        if path.endswith(WARC_SUFFIXES):
            yield WaczMember(path, None, "not listed in datapackage.json (no hash to check)")


def open_member(archive: zipfile.ZipFile, path: str) -> IO[bytes]:
    return archive.open(path)


def _datapackage_hashes(archive: zipfile.ZipFile) -> dict[str, str | None]:
    try:
        package: Any = json.loads(archive.read("datapackage.json"))
    except KeyError as exc:
        raise BadWacz("no datapackage.json in the WACZ") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadWacz(f"datapackage.json is not JSON: {exc}") from exc
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list):
        raise BadWacz("datapackage.json has no resources list")
    hashes: dict[str, str | None] = {}
    for resource in resources:
        if isinstance(resource, dict) and isinstance(resource.get("path"), str):
            value = resource.get("hash")
            hashes[resource["path"]] = value if isinstance(value, str) else None
    return hashes


def _verified(archive: zipfile.ZipFile, path: str, expected: str | None) -> WaczMember:
    if not expected:
        return WaczMember(path, None, "datapackage.json gives no hash")
    algorithm, _, wanted = expected.partition(":")
    if algorithm.lower() != "sha256" or not wanted:
        return WaczMember(path, None, f"unsupported hash {expected!r} (sha256 expected)")
    try:
        actual = _sha256(archive, path)
    except (OSError, zipfile.BadZipFile, EOFError) as exc:  # a damaged zip member (CRC)
        return WaczMember(path, None, f"cannot be read: {exc}")
    if actual != wanted.lower():
        return WaczMember(path, None, f"sha256 {actual} does not match datapackage.json")
    return WaczMember(path, actual, None)


def _sha256(archive: zipfile.ZipFile, path: str) -> str:
    digest = hashlib.sha256()
    with archive.open(path) as member:
        while chunk := member.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
