"""A corpus check of parser output: exchanges that look wrongly segmented.

Pure functions over schema dicts (``Briefing.to_dict()`` or a stored version's JSON), so an
archive can be checked without the pages. Nothing here proves a parse right; each flag is a
symptom a careful reader would look at first (issue 13):

- ``qa-no-answer`` / ``qa-no-question``: a ``qa`` exchange missing one side (an unlabelled
  answer kept in the question, two questions merged).
- ``asker-sentence``: the asker reads like a clause of an answer ("我注意到网上很多人都在问"),
  not an outlet, a role or a person.
- ``label-in-answer`` / ``label-in-question``: a line of the answer that starts with a question
  label (``问：``, ``Q:``, ``路透社记者：``), or a question line with an answer label: two turns
  merged into one.
- ``question-mid-exchange``: a question label (``问``, ``Q``, an outlet) after the answer inside
  one exchange: the next question was merged in (only interjections may sit there).
- ``after-conference-in-answer``: an answer line that opens an after-conference item.
- ``narration-in-answer``: an answer line in which an editor names the answerer and introduces
  more words ("…陆慷就…进一步表示："): a later remark appended to the answer.
- ``after-conference-not-last``: an after-conference exchange followed by an ordinary question.
- ``twin-count``: far more or fewer questions than the other-language twin of the same date.

``score`` ranks flags (higher is worse), so a report can show the worst briefings first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from crawler.extract.labels import is_after_conference_announcement, is_after_conference_lead_in

# Scores: a lost or merged turn moves words between question and answer (the real harm).
_SCORES = {
    "qa-no-answer": 3.0,
    "qa-no-question": 3.0,
    "label-in-answer": 3.0,
    "label-in-question": 2.5,
    "question-mid-exchange": 2.5,
    "after-conference-in-answer": 2.5,
    "narration-in-answer": 2.0,
    "asker-sentence": 2.0,
    "after-conference-not-last": 2.0,
    "twin-count": 1.0,
}
KINDS = tuple(_SCORES)

# A line that starts with a journalist's label: generic roles, or an outlet's "…记者".
_QUESTION_LABEL = re.compile(
    r"^(?:问|记者问|追问|记者追问|Q|Question|Follow-up|Journalist|[^\s：:，。,.]{1,20}记者)\s*[：:]"
)
_ANSWER_LABEL = re.compile(r"^(?:答|A|Answer)\s*[：:]")
_PRONOUN = re.compile(r"[我你您]|\b(?:I|[Ww]e|[Yy]ou)\b")
_SAYING_END = re.compile(r"(?:问|说|表示|指出|提出|认为|称|道|asked|said|says|noted|stated)$")
_LONG_ASKER = {"zh": 30, "en": 80}
_ASKING_LABEL = re.compile(r"记者(?:提问|追问)$")
# Speakers of a journalist turn that may follow the answer in one exchange: interjections.
_INTERJECTION_SPEAKER = re.compile(
    r"^(?:记者|Journalist|Reporter)$|^(?:the )?(?:journalist|reporter|correspondent)\s+\w+$"
    r"|^记者(?:澄清|解释|补充|插话|回答|说|表示|笑|确认|更正)$|(?:澄清|解释|补充)$",
    re.IGNORECASE,
)
_NARRATION_END = re.compile(
    r"(?:表示|说|指出|强调|回应|said|added|remarked|stated)[^。.]{0,20}[：:]$"
)
# Twins may split statements differently; only the questions are compared, and a difference
# counts when it is both over two questions and over a quarter of the larger count.
_TWIN_SLACK = 2
_TWIN_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class Flag:
    kind: str  # one of ``KINDS``
    exchange: int | None  # the exchange's index; None for the briefing as a whole
    message: str
    score: float


def check_briefing(data: dict[str, Any], twin: dict[str, Any] | None = None) -> list[Flag]:
    """Every symptom of a wrong segmentation in ``data``; ``twin`` is the other-language
    briefing of the same date, when the caller has one."""
    exchanges: list[dict[str, Any]] = data.get("exchanges") or []
    language = str(data.get("language") or "en")[:2]
    flags: list[Flag] = []
    for e in exchanges:
        if e.get("kind") == "qa":
            flags.extend(_check_qa(e, language))
    flags.extend(_check_after_conference(exchanges))
    if twin is not None:
        flags.extend(_check_twin(exchanges, twin))
    return flags


def _flag(kind: str, exchange: int | None, message: str, weight: float = 1.0) -> Flag:
    return Flag(kind, exchange, message, _SCORES[kind] * weight)


def _check_qa(e: dict[str, Any], language: str) -> list[Flag]:
    index = e.get("index")
    flags = []
    if not e.get("answer"):
        flags.append(_flag("qa-no-answer", index, "question with no answer"))
    if not e.get("question"):
        flags.append(_flag("qa-no-question", index, "answer with no question"))
    asker = e.get("asker")
    if asker and _sentence_like(asker, language):
        flags.append(_flag("asker-sentence", index, f"asker reads like a sentence: {asker[:40]!r}"))
    for line in (e.get("answer") or "").split("\n"):
        if _QUESTION_LABEL.match(line.strip()):
            flags.append(_flag("label-in-answer", index, f"answer line {line[:30]!r}"))
            break
    question_lines = (e.get("question") or "").split("\n")
    for i, line in enumerate(question_lines):
        left_in = i == 0 and _QUESTION_LABEL.match(line.strip())  # a label not recognized
        if _ANSWER_LABEL.match(line.strip()) or left_in:
            flags.append(_flag("label-in-question", index, f"question line {line[:30]!r}"))
            break
    flags.extend(_check_turn_order(e))
    flags.extend(_check_answer_lines(e))
    return flags


def _check_turn_order(e: dict[str, Any]) -> list[Flag]:
    """Only an interjection may follow the answer inside one exchange."""
    answered = False
    for turn in e.get("turns") or []:
        if turn.get("role") == "official":
            answered = True
            continue
        speaker = turn.get("speaker")
        asks = turn.get("role") == "journalist" and speaker
        if answered and asks and not _INTERJECTION_SPEAKER.search(speaker):
            message = f"question label {speaker[:30]!r} after the answer"
            return [_flag("question-mid-exchange", e.get("index"), message)]
    return []


def _check_answer_lines(e: dict[str, Any]) -> list[Flag]:
    index, answerer = e.get("index"), e.get("answerer") or ""
    for line in (e.get("answer") or "").split("\n")[1:]:
        text = line.strip()
        if is_after_conference_lead_in(text) or is_after_conference_announcement(text):
            return [_flag("after-conference-in-answer", index, f"answer line {text[:30]!r}")]
        if answerer and answerer in text and _NARRATION_END.search(text):
            return [_flag("narration-in-answer", index, f"answer line {text[:30]!r}")]
    return []


def _sentence_like(asker: str, language: str) -> bool:
    """Long, with a pronoun, or ending in a verb of saying: a clause, not a name. A
    journalist's label that says they ask ("路透社记者提问", "法新社记者追问") is a name."""
    too_long = len(asker) > _LONG_ASKER.get(language, 80)
    label_form = bool(_ASKING_LABEL.search(asker.rstrip()))
    saying = bool(_SAYING_END.search(asker.rstrip())) and not label_form
    return too_long or bool(_PRONOUN.search(asker)) or saying


def _check_after_conference(exchanges: list[dict[str, Any]]) -> list[Flag]:
    """After-conference questions come last; an ordinary question after one is misflagged."""
    first = next((e for e in exchanges if e.get("after_conference")), None)
    if first is None:
        return []
    later = [
        e
        for e in exchanges
        if e.get("index", 0) > first.get("index", 0)
        and e.get("kind") == "qa"
        and not e.get("after_conference")
    ]
    if not later:
        return []
    message = f"{len(later)} ordinary question(s) after it"
    return [_flag("after-conference-not-last", first.get("index"), message)]


def _check_twin(exchanges: list[dict[str, Any]], twin: dict[str, Any]) -> list[Flag]:
    mine = sum(1 for e in exchanges if e.get("kind") == "qa")
    theirs = sum(1 for e in twin.get("exchanges") or [] if e.get("kind") == "qa")
    gap = abs(mine - theirs)
    if gap <= _TWIN_SLACK or gap <= _TWIN_SHARE * max(mine, theirs):
        return []
    message = f"{mine} questions, the {twin.get('language')} twin has {theirs}"
    return [_flag("twin-count", None, message, weight=1 + gap / max(mine, theirs, 1))]


def twin_of(data: dict[str, Any], others: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The briefing of the same ``held_on`` in another language, if ``others`` has one."""
    for other in others:
        same_day = other.get("held_on") == data.get("held_on")
        if same_day and other.get("language") != data.get("language"):
            return other
    return None


@dataclass(slots=True)
class CheckSummary:
    briefings: int = 0
    flagged: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    worst: list[tuple[str, float, list[Flag]]] = field(default_factory=list)

    def lines(self, top: int = 10) -> list[str]:
        """A short text report: counts per kind, then the worst briefings."""
        out = [f"{self.flagged} of {self.briefings} briefings flagged"]
        out += [f"  {kind}: {self.counts.get(kind, 0)}" for kind in KINDS]
        for name, score, flags in self.worst[:top]:
            kinds = ", ".join(sorted({f.kind for f in flags}))
            out.append(f"  {score:5.1f}  {name}  ({kinds})")
        return out


def summarize(results: Iterable[tuple[str, list[Flag]]]) -> CheckSummary:
    """Counts per flag kind over ``(name, flags)`` pairs, worst briefings first."""
    summary = CheckSummary()
    for name, flags in results:
        summary.briefings += 1
        if not flags:
            continue
        summary.flagged += 1
        summary.counts.update(f.kind for f in flags)
        summary.worst.append((name, sum(f.score for f in flags), flags))
    summary.worst.sort(key=lambda item: (-item[1], item[0]))
    return summary
