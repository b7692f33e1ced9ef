"""``briefings evidence bundle | verify``: citable evidence of a change (docs/evidence.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scheduler.cli.options import (
    archive_errors,
    db_option,
    echo_json,
    fail,
    json_option,
    open_archive,
)
from storage.api import EvidenceTarget, VerifyReport, WitnessConfig, load_signing_key, verify_bundle

# Verification failed: distinct from a usage or archive error (1, 2).
VERIFY_FAILED = 3


@click.group("evidence")
def evidence_group() -> None:
    """Evidence you can cite: WACZ bundles of a change, and their verification.

    \b
    Examples:
      briefings evidence bundle --event 12 --out removal-12.wacz
      briefings evidence bundle --exchange 3f9c2a1b --out exchange.wacz --key key.pem
      briefings evidence verify removal-12.wacz
    """


@evidence_group.command("bundle")
@click.option("--event", "event_id", type=int, metavar="N", help="A change event (see `changes`).")
@click.option("--exchange", "exchange_uid", metavar="UID", help="An exchange id (its last change).")
@click.option("--briefing", "briefing_id", type=int, metavar="N", help="A briefing (its removal).")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .wacz file to write (written whole, or not at all).",
)
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Sign with this EC private key (PEM; openssl ecparam -name secp384r1 -genkey).",
)
@click.option(
    "--witness",
    is_flag=True,
    help="Also record the Internet Archive's nearest captures (network; off by default).",
)
@click.option(
    "--save-page-now",
    is_flag=True,
    help="With --witness: also ask the Internet Archive to capture the URL now.",
)
@click.option(
    "--witness-url",
    envvar="BRIEFINGS_WITNESS_URL",
    metavar="URL",
    help="Base URL of the witness service (default https://web.archive.org).",
)
@json_option
@db_option
def bundle_command(
    event_id: int | None,
    exchange_uid: str | None,
    briefing_id: int | None,
    out: Path,
    key_path: Path | None,
    witness: bool,
    save_page_now: bool,
    witness_url: str | None,
    as_json: bool,
    db_url: str | None,
) -> None:
    """Write a WACZ evidence bundle for a change event, an exchange or a briefing.

    The bundle holds the WARC records of the last page that had the exchange, the first
    without it and every confirming re-fetch, with evidence/evidence.json (the event, the
    exchange in each version, where it sits in each page, fetch times, status, validators,
    parser version, suspicion log), evidence/citation.txt and datapackage.json (SHA-256 of
    every file). Any WACZ viewer opens it; `briefings evidence verify` checks it.

    \b
    Examples:
      briefings evidence bundle --event 12 --out removal-12.wacz
      briefings evidence bundle --exchange 3f9c2a1b --out exchange.wacz
      briefings evidence bundle --briefing 7 --out briefing-7.wacz --key key.pem
      briefings evidence bundle --event 12 --out e.wacz --witness --json
    """
    target = _target(event_id, exchange_uid, briefing_id)
    witnesses = _witness_config(witness, save_page_now, witness_url)
    with archive_errors():
        key = load_signing_key(key_path) if key_path is not None else None
    with open_archive(db_url, read_only=True) as archive:
        summary = archive.evidence_bundle(target, out, key=key, witnesses=witnesses)
    if as_json:
        echo_json(summary.to_json())
        return
    signed = ", signed" if summary.signed else ""
    click.echo(f"{summary.path}: {summary.summary}")
    click.echo(
        f"  {summary.captures} captures, {summary.records} WARC records, "
        f"{summary.bytes:,} bytes{signed}; sha256 {summary.sha256}"
    )


def _target(
    event_id: int | None, exchange_uid: str | None, briefing_id: int | None
) -> EvidenceTarget:
    given = [x is not None for x in (event_id, exchange_uid, briefing_id)]
    if sum(given) != 1:
        fail("give exactly one of --event N, --exchange UID, --briefing N", 2)
    if event_id is not None:
        return EvidenceTarget.event(event_id)
    if exchange_uid is not None:
        return EvidenceTarget.exchange(exchange_uid)
    assert briefing_id is not None
    return EvidenceTarget.briefing(briefing_id)


def _witness_config(witness: bool, save: bool, base: str | None) -> WitnessConfig | None:
    if save and not witness:
        fail("--save-page-now needs --witness", 2)
    if not witness:
        return None
    if base is None:
        return WitnessConfig(save=save)
    root = base.rstrip("/")
    return WitnessConfig(
        cdx_url=f"{root}/cdx/search/cdx",
        save_url=f"{root}/save/",
        replay_url=f"{root}/web/",
        save=save,
        min_interval=0.0 if root.startswith(("http://127.", "http://localhost")) else 5.0,
    )


@evidence_group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    "public_key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The signature must be by this public key (PEM).",
)
@json_option
def verify_command(file: Path, public_key: Path | None, as_json: bool) -> None:
    """Check a bundle: every file's SHA-256, every WARC record's digests, the index, the
    records evidence.json cites, and the signature. Exit 0 only if all hold (3 if not).

    \b
    Examples:
      briefings evidence verify removal-12.wacz
      briefings evidence verify removal-12.wacz --public-key pub.pem --json
    """
    pinned = public_key.read_text(encoding="ascii", errors="replace") if public_key else None
    report = verify_bundle(file, public_key=pinned)
    if as_json:
        echo_json(report.to_json())
    else:
        _print_report(report)
    if not report.ok:
        sys.exit(VERIFY_FAILED)


def _print_report(report: VerifyReport) -> None:
    for check in report.checks:
        mark = "ok  " if check.ok else "FAIL"
        click.echo(f"{mark} {check.name}: {check.detail}")
    if report.ok:
        signer = f", signed by key sha256:{report.signed_by}" if report.signed_by else ", unsigned"
        click.echo(f"{report.path}: verified{signer}")
    else:
        click.echo(f"{report.path}: NOT verified ({len(report.failures)} checks failed)", err=True)


COMMANDS: list[click.Command] = [evidence_group]
