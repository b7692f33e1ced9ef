"""Outlets in the archive: the table it canonicalizes askers with, the labels printed for
each outlet, the pages the web app shows, and proposals from stored alignments.

The **effective table** is the shipped one (``storage/align/outlets.toml``) extended by the
archive's ``outlet_entry`` rows, which a config's ``[outlets]`` section sets
(``Archive.use_outlets``). Keeping the extension in the archive means every writer (the
alignment after a crawl, in the crawl's own process) and every reader (CLI, web app)
canonicalizes the same way, whichever config file it was started with.

Labels are always kept as printed; only the grouping uses the canonical outlet. A label's
language is that of the briefing it was printed in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from storage.align import Outlet, OutletTable, outlet_table
from storage.align.outlets import Language, is_generic
from storage.errors import BadQuery, NotFound
from storage.models import AlignedRow, Briefing, BriefingPair, Exchange, OutletEntry, Version
from storage.types import utcnow

SUGGEST_MIN_CONFIDENCE = 0.7  # aligned 1–1 rows this sure are evidence for a mapping
SUGGEST_EXAMPLES = 3


# ---------------------------------------------------------------------------- the table


def stored_entries(session: Session) -> dict[str, dict[str, Any]]:
    return {row.id: dict(row.entry) for row in session.scalars(select(OutletEntry))}


def effective_table(session: Session) -> OutletTable:
    """The shipped table extended by the archive's entries."""
    try:
        return outlet_table(stored_entries(session) or None)
    except ValueError as exc:  # written by an older release with other rules
        raise BadQuery(f"the archive's outlet entries are not valid: {exc}") from exc


def check_entries(extra: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A config's ``[outlets]`` section, validated: ``{id: {"en": [...], "zh": [...],
    "parent": id}}``, every label a string, the result a valid table."""
    entries: dict[str, dict[str, Any]] = {}
    for oid, entry in extra.items():
        if not isinstance(entry, Mapping):
            raise BadQuery(f"outlets.{oid}: expected a table with en/zh label lists")
        unknown = sorted(set(entry) - {"en", "zh", "parent"})
        if unknown:
            raise BadQuery(f"outlets.{oid}: unknown key(s) {', '.join(unknown)}")
        clean: dict[str, Any] = {}
        for language in ("en", "zh"):
            labels = entry.get(language, [])
            labels = [labels] if isinstance(labels, str) else labels
            if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
                raise BadQuery(f"outlets.{oid}.{language}: expected a list of labels")
            if labels:
                clean[language] = [x.strip() for x in labels if x.strip()]
        if entry.get("parent") is not None:
            if not isinstance(entry["parent"], str):
                raise BadQuery(f"outlets.{oid}.parent: expected an outlet id")
            clean["parent"] = entry["parent"]
        entries[str(oid)] = clean
    try:
        outlet_table(entries or None)
    except ValueError as exc:
        raise BadQuery(f"outlets: {exc}") from exc
    return entries


def set_entries(session: Session, extra: Mapping[str, Any]) -> bool:
    """Make ``extra`` (a config's ``[outlets]``) the archive's entries; True if they changed."""
    entries = check_entries(extra)
    if entries == stored_entries(session):
        return False
    session.execute(delete(OutletEntry))
    if entries:
        now = utcnow()
        session.execute(
            insert(OutletEntry),
            [{"id": oid, "entry": e, "updated_at": now} for oid, e in sorted(entries.items())],
        )
    return True


def outlet_ids_named(name: str, table: OutletTable) -> frozenset[str]:
    """The outlets ``name`` means, with the outlets under them: an outlet id (``reuters``,
    ``cmg``) or a label in either language (``Reuters``, ``路透社记者``). Empty: none."""
    ids: set[str] = set()
    if table.get(name.strip()) is not None:
        ids.add(name.strip())
    for language in ("en", "zh"):
        ids |= {o.id for o in label_outlets(name, language, table)}
    return frozenset(d for oid in ids for d in table.descendants(oid))


def label_outlets(label: str | None, language: str, table: OutletTable) -> tuple[Outlet, ...]:
    if not label or language not in ("en", "zh"):
        return ()
    lang: Language = "en" if language == "en" else "zh"
    return table.lookup_all(label, lang)


# ---------------------------------------------------------------------------- labels


def label_counts(session: Session, *, latest: bool = True) -> dict[tuple[str, str], int]:
    """Exchanges per (asker label as printed, language), in the latest versions."""
    stmt = (
        select(Exchange.asker, Briefing.language, func.count())
        .join(Briefing, Briefing.id == Exchange.briefing_id)
        .where(Exchange.asker.is_not(None))
        .group_by(Exchange.asker, Briefing.language)
    )
    if latest:
        stmt = stmt.join(Version, Version.id == Exchange.version_id).where(
            Version.is_latest.is_(True)
        )
    return {
        (str(label), str(language)): int(n)
        for label, language, n in session.execute(stmt)
        if label is not None
    }


def asker_labels(session: Session, name: str, table: OutletTable) -> tuple[str, ...] | None:
    """The labels printed in the archive (any version) that name the outlet(s) ``name``
    means, in either language; None when ``name`` names no known outlet."""
    wanted = outlet_ids_named(name, table)
    if not wanted:
        return None
    labels = {
        label
        for (label, language) in label_counts(session, latest=False)
        if {o.id for o in label_outlets(label, language, table)} & wanted
    }
    return tuple(sorted(labels))


# ---------------------------------------------------------------------------- outlets


@dataclass(frozen=True, slots=True)
class OutletSummary:
    """One outlet of the effective table, with what the archive printed for it."""

    id: str
    name_en: str
    name_zh: str
    parent: str | None
    origin: str  # shipped, archive (a config's [outlets])
    labels_en: tuple[str, ...]
    labels_zh: tuple[str, ...]
    exchanges: int  # in the latest versions, asked under one of its labels
    printed: tuple[tuple[str, str, int], ...]  # (label as printed, language, exchanges)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name_en": self.name_en,
            "name_zh": self.name_zh,
            "parent": self.parent,
            "origin": self.origin,
            "labels_en": list(self.labels_en),
            "labels_zh": list(self.labels_zh),
            "exchanges": self.exchanges,
            "printed": [
                {"label": label, "language": language, "exchanges": n}
                for label, language, n in self.printed
            ],
        }


def outlets(session: Session, table: OutletTable) -> list[OutletSummary]:
    """Every outlet of the table, most asked first (joint labels count for none)."""
    printed: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for (label, language), n in label_counts(session).items():
        found = label_outlets(label, language, table)
        if len(found) == 1:
            printed[found[0].id].append((label, language, n))
    archive_ids = set(stored_entries(session))
    summaries = [
        OutletSummary(
            id=o.id,
            name_en=o.name_en,
            name_zh=o.name_zh,
            parent=o.parent,
            origin="archive" if o.id in archive_ids else "shipped",
            labels_en=o.labels_en,
            labels_zh=o.labels_zh,
            exchanges=sum(n for _, _, n in printed[o.id]),
            printed=tuple(sorted(printed[o.id], key=lambda t: (-t[2], t[1], t[0]))),
        )
        for o in table.outlets.values()
    ]
    return sorted(summaries, key=lambda s: (-s.exchanges, s.id))


@dataclass(frozen=True, slots=True)
class OutletExchange:
    briefing_id: int
    source: str
    language: str
    held_on: date | None
    title: str | None
    url: str
    index: int
    uid: str
    asker: str | None  # as printed
    question: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "briefing_id": self.briefing_id,
            "source": self.source,
            "language": self.language,
            "held_on": self.held_on.isoformat() if self.held_on else None,
            "title": self.title,
            "url": self.url,
            "index": self.index,
            "exchange_uid": self.uid,
            "asker": self.asker,
            "question": self.question,
        }


@dataclass(frozen=True, slots=True)
class OutletPage:
    """What the web app's page of one outlet shows."""

    outlet: OutletSummary
    exchanges: tuple[OutletExchange, ...]  # newest first, both languages

    def to_json(self) -> dict[str, Any]:
        return {
            "outlet": self.outlet.to_json(),
            "exchanges": [x.to_json() for x in self.exchanges],
        }


def outlet_page(
    session: Session, outlet_id: str, table: OutletTable, *, limit: int = 50
) -> OutletPage:
    """One outlet: its labels as printed and its latest exchanges in either language."""
    summary = next((s for s in outlets(session, table) if s.id == outlet_id), None)
    if summary is None:
        raise NotFound(f"no outlet {outlet_id!r} (see `briefings outlets`)")
    labels = [label for label, _, _ in summary.printed]
    if not labels:
        return OutletPage(summary, ())
    rows = session.execute(
        select(
            Briefing.id,
            Briefing.source,
            Briefing.language,
            Briefing.held_on,
            Briefing.title,
            Briefing.url,
            Exchange.position,
            Exchange.uid,
            Exchange.asker,
            Exchange.question,
        )
        .join(Exchange, Exchange.briefing_id == Briefing.id)
        .join(Version, Version.id == Exchange.version_id)
        .where(Version.is_latest.is_(True), Exchange.asker.in_(labels))
        .order_by(Briefing.held_on.desc().nulls_last(), Briefing.id.desc(), Exchange.position)
        .limit(limit)
    ).all()
    exchanges = tuple(
        OutletExchange(
            briefing_id=r.id,
            source=r.source,
            language=r.language,
            held_on=r.held_on,
            title=r.title,
            url=r.url,
            index=r.position,
            uid=r.uid,
            asker=r.asker,
            question=r.question,
        )
        for r in rows
    )
    return OutletPage(summary, exchanges)


# ---------------------------------------------------------------------------- suggestions


@dataclass(frozen=True, slots=True)
class SuggestionExample:
    pair_id: int
    en_briefing_id: int
    zh_briefing_id: int
    held_on: date | None
    en: tuple[int, ...]
    zh: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "pair": self.pair_id,
            "en_briefing": self.en_briefing_id,
            "zh_briefing": self.zh_briefing_id,
            "held_on": self.held_on.isoformat() if self.held_on else None,
            "en": list(self.en),
            "zh": list(self.zh),
        }


@dataclass(frozen=True, slots=True)
class OutletSuggestion:
    """Two labels that asked one aligned question, how often, and what the table knows."""

    label_en: str
    label_zh: str
    count: int
    outlet_en: str | None  # the table's outlet for the label; None when unknown
    outlet_zh: str | None
    examples: tuple[SuggestionExample, ...]

    @property
    def known(self) -> bool:
        """Both labels are in the table already (the mapping needs no one to accept it)."""
        return self.outlet_en is not None and self.outlet_zh is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "label_en": self.label_en,
            "label_zh": self.label_zh,
            "count": self.count,
            "outlet_en": self.outlet_en,
            "outlet_zh": self.outlet_zh,
            "known": self.known,
            "examples": [e.to_json() for e in self.examples],
        }


def suggestions(
    session: Session,
    table: OutletTable,
    *,
    include_known: bool = False,
    min_count: int = 1,
    min_confidence: float = SUGGEST_MIN_CONFIDENCE,
    limit: int | None = None,
) -> list[OutletSuggestion]:
    """Label pairs of confident aligned 1–1 rows of complete pairs, most frequent first:
    where the table does not map both labels to one outlet, a proposal to accept."""
    count = func.count().label("n")
    stmt = (
        select(AlignedRow.en_label, AlignedRow.zh_label, count)
        .join(BriefingPair, BriefingPair.id == AlignedRow.pair_id)
        .where(
            BriefingPair.status == "complete",
            AlignedRow.bead == "1-1",
            AlignedRow.confidence >= min_confidence,
            AlignedRow.en_label.is_not(None),
            AlignedRow.zh_label.is_not(None),
        )
        .group_by(AlignedRow.en_label, AlignedRow.zh_label)
        .having(count >= min_count)
        .order_by(count.desc(), AlignedRow.en_label, AlignedRow.zh_label)
    )
    out: list[OutletSuggestion] = []
    for label_en, label_zh, n in session.execute(stmt):
        if label_en is None or label_zh is None or is_generic(label_en) or is_generic(label_zh):
            continue
        outlet_en = _one_id(label_outlets(label_en, "en", table))
        outlet_zh = _one_id(label_outlets(label_zh, "zh", table))
        known = outlet_en is not None and outlet_zh is not None
        if known and not include_known:
            continue
        out.append(
            OutletSuggestion(
                label_en,
                label_zh,
                int(n),
                outlet_en,
                outlet_zh,
                _examples(session, label_en, label_zh, min_confidence),
            )
        )
        if limit is not None and len(out) >= limit:
            break
    return out


def _one_id(found: tuple[Outlet, ...]) -> str | None:
    return ",".join(o.id for o in found) or None


def _examples(
    session: Session, label_en: str, label_zh: str, min_confidence: float
) -> tuple[SuggestionExample, ...]:
    rows = session.execute(
        select(
            BriefingPair.id,
            BriefingPair.en_briefing_id,
            BriefingPair.zh_briefing_id,
            BriefingPair.held_on,
            AlignedRow.en,
            AlignedRow.zh,
        )
        .join(AlignedRow, AlignedRow.pair_id == BriefingPair.id)
        .where(
            BriefingPair.status == "complete",
            AlignedRow.bead == "1-1",
            AlignedRow.confidence >= min_confidence,
            AlignedRow.en_label == label_en,
            AlignedRow.zh_label == label_zh,
        )
        .order_by(BriefingPair.held_on.desc().nulls_last(), BriefingPair.id.desc())
        .limit(SUGGEST_EXAMPLES)
    )
    return tuple(
        SuggestionExample(pid, en_id, zh_id, held, tuple(en), tuple(zh))
        for pid, en_id, zh_id, held, en, zh in rows
    )
