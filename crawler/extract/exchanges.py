"""Paragraphs -> turns -> exchanges, shared by both languages.

Turns: a labelled paragraph starts a turn, an unlabelled one continues the previous turn.
Exchanges: paragraphs before the first question are statements (one per paragraph); a
``qa`` exchange starts at a journalist turn that follows an official turn (or the first
question) and holds every turn until the next start. Interjections stay in the current
exchange; ``Follow-up``/``追问`` starts a new one; after-conference questions are flagged.
A separator line (``****``) closes the current exchange: the unlabelled paragraphs after it
(closing remarks, holiday notices) are statements again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crawler.extract.labels import (
    Label,
    LabelContext,
    Role,
    classify,
    is_after_conference_announcement,
    is_after_conference_lead_in,
    split_label,
)
from crawler.extract.text import Paragraph
from crawler.schema import Exchange, Turn
from crawler.schema import Role as SchemaRole

# Three or more of these (single spaces between allowed): "＊＊＊", "* * * *", "------".
_SEPARATOR = re.compile(r"^[*＊\-—_=~·.。…#](?: ?[*＊\-—_=~·.。…#]){2,}$")
_PARENTHESIZED = re.compile(r"^[（(](.+)[）)]$")
_QUESTION_MARK = re.compile(r"[?？]")
_REPORTED_SPEECH = re.compile(
    r"^([\u4e00-\u9fff]{2,4}?)(?:表示|说|指出|强调|回答|称)[，,：:]"
    r"|^([A-Z][a-z]+ [A-Z][a-z]+) (?:said|says|stated|noted|responded|answered)\b"
)

# A lead-in that says the spokesperson answered: "…，赵立坚表示：", "Zhao made further response".
_INTRODUCES_ANSWER = re.compile(
    r"(?:表示|回应|答|说)[：:]?$|\b(?:respon\w*|said|answered|replied|remarks?)\b", re.IGNORECASE
)
# A narrated later remark: "21日晚些时候，陆慷就…进一步表示：", "Later that day, Lu Kang said:".
_LATER_REMARK = re.compile(r"晚些时候|稍后|随后|^later\b|\blater (?:that|the same) day\b", re.I)
# A notice about the briefing schedule (matched lower-cased).
_SCHEDULE_NOTICE = re.compile(
    r"例行记者会.{0,30}(?:暂停|休会|恢复|取消|照常)|(?:暂停|休会|恢复).{0,10}例行记者会"
    r"|\bpress conferences?\b.{0,80}\b(?:adjourned|suspended|resumed?|cancell?ed|not be held)\b"
    r"|\bthere will be no (?:regular )?press conference"
)


# Plain strings for the schema (a StrEnum's ``.value`` is a slow descriptor in a hot loop).
ROLE_NAMES: dict[Role, SchemaRole] = {
    Role.JOURNALIST: "journalist",
    Role.OFFICIAL: "official",
    Role.OTHER: "other",
}


@dataclass(slots=True)
class Block:
    """One turn in page order, with the flags its label carried."""

    role: Role
    speaker: str | None
    label: Label | None
    paragraphs: list[str] = field(default_factory=list)
    statement: bool = False  # outside any question: opening remarks or closing notices
    closed: bool = False  # a parenthesized interjection: the next plain paragraph is not its
    bold: bool = False  # its first paragraph was bold (a question, as the publisher marks it)
    introduces: bool = False  # a lead-in that says the official answered: the answer follows
    inferred: bool = False  # an answer known only from bold (no label): see _keep_questions_whole

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(slots=True)
class Speakers:
    """Officials as they appear; resolves generic answers to the one spokesperson."""

    title_officials: list[str]
    seen: list[str] = field(default_factory=list)
    generic_official_used: bool = False

    def note(self, block: Block) -> None:
        if block.role is not Role.OFFICIAL:
            return
        if block.label is not None and not block.label.generic:
            self._add(block.label.speaker)
        else:
            self.generic_official_used = True
            for name in self.title_officials:
                self._add(name)

    def _add(self, name: str) -> None:
        if name not in self.seen:
            self.seen.append(name)


def paragraphs_to_blocks(paragraphs: list[Paragraph], ctx: LabelContext) -> list[Block]:
    """Group paragraphs into turns; decide which are labels, separators, stage directions."""
    blocks: list[Block] = []
    in_question = False  # a question has been asked since the last separator
    pending_after_conference = False
    for para in paragraphs:
        text = para.text
        if _SEPARATOR.match(text):
            in_question = False
            continue
        label, rest = _label_of(para, ctx)
        if label is not None and label.after_conference and not rest:
            pending_after_conference = True  # "The following question was raised after ...:".
            continue
        if label is None and is_after_conference_announcement(text):
            pending_after_conference = True  # the same formula on a line of its own: a label
            continue
        if label is None and is_after_conference_lead_in(text):
            pending_after_conference = True
            label, rest = Label("", Role.JOURNALIST, generic=True, after_conference=True), text
        if label is None and blocks and _unlabelled_question(para, blocks[-1]):
            label = Label("", Role.JOURNALIST, generic=True)
            rest = text
        if label is None and blocks and _narrated_remark(para, blocks[-1], ctx):
            in_question = False  # like a separator line: what follows is no longer an answer
            blocks.append(Block(Role.OFFICIAL, None, None, [text], statement=True))
            continue
        if label is None and in_question and blocks:
            label, rest = _unlabelled_turn(para, blocks, ctx)
        if label is None:
            if blocks and (in_question or blocks[-1].statement):
                blocks[-1].paragraphs.append(text)
            else:  # an opening remark, or a notice after a separator line
                blocks.append(
                    Block(Role.OFFICIAL, None, _current_official(blocks), [text], statement=True)
                )
            continue
        if label.role is Role.JOURNALIST:
            in_question = True
            if not label.generic:
                ctx.journalists.add(label.speaker)
            if pending_after_conference:
                label.after_conference = True
        elif label.role is Role.OFFICIAL and not label.generic:
            ctx.officials.add(label.speaker)
        statement = not in_question
        block = Block(label.role, label.speaker or None, label, [rest] if rest else [], statement)
        block.closed = bool(_PARENTHESIZED.match(text))
        block.bold = para.bold
        block.introduces = label.after_conference and bool(_INTRODUCES_ANSWER.search(text))
        block.inferred = label.role is Role.OFFICIAL and not label.speaker
        blocks.append(block)
    _split_trailing_notice(blocks)
    return _keep_questions_whole([b for b in blocks if b.paragraphs])


def _unlabelled_turn(
    para: Paragraph, blocks: list[Block], ctx: LabelContext
) -> tuple[Label | None, str]:
    """Who speaks in an unlabelled paragraph inside an exchange; None: the same speaker.

    "Unlabelled continues" yields to stronger cues: a reported answer ("耿爽表示，…"), the
    official resuming after a parenthesized interjection, and bold: after a bold question
    (``追问：`` in bold, then plain paragraphs), a paragraph that is not bold is the answer.
    """
    text = para.text
    label, rest = _reported_answer(text, blocks, ctx)
    if label is None and blocks[-1].closed:
        label, rest = _resumed_speaker(blocks), text
    if label is None and _answers_the_question(para, blocks[-1]):
        label, rest = Label("", Role.OFFICIAL, generic=True), text
    return label, rest


def _answers_the_question(para: Paragraph, previous: Block) -> bool:
    """A plain paragraph right after a bold question turn (or after a lead-in that says the
    spokesperson answered: "…，赵立坚表示：") is the official's answer, label or not."""
    if previous.role is not Role.JOURNALIST or previous.closed or previous.statement:
        return False
    if previous.label is not None and previous.label.interjection:
        return False
    return previous.introduces or (previous.bold and not para.bold)


def _narrated_remark(para: Paragraph, previous: Block, ctx: LabelContext) -> bool:
    """An editor's line after an answer that names the spokesperson in the third person and
    introduces a later remark ("21日晚些时候，陆慷就…进一步表示："): it ends the exchange."""
    if previous.role is not Role.OFFICIAL or previous.statement:
        return False
    text = para.text
    if len(text) > 200 or _QUESTION_MARK.search(text[-3:]):
        return False
    if not (para.bold or _LATER_REMARK.search(text)):
        return False
    return any(name in text for name in ctx.officials if len(name) >= 2)


def _keep_questions_whole(blocks: list[Block]) -> list[Block]:
    """Undo an answer inferred from bold when a labelled answer follows it at once: a plain
    paragraph between a bold question and ``A:``/``答：`` was the question's own (an editor
    who forgot the bold), not an unlabelled answer."""
    kept: list[Block] = []
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        answered_next = nxt is not None and nxt.role is Role.OFFICIAL and bool(nxt.speaker)
        if block.inferred and answered_next and kept and kept[-1].role is Role.JOURNALIST:
            kept[-1].paragraphs.extend(block.paragraphs)
            continue
        kept.append(block)
    return kept


def _split_trailing_notice(blocks: list[Block]) -> None:
    """A schedule notice after the last answer ("例行记者会将于…暂停", "The press conference
    will be adjourned …") with no separator line before it is not part of that answer."""
    if not blocks or blocks[-1].role is not Role.OFFICIAL or blocks[-1].statement:
        return
    last = blocks[-1]
    for i, text in enumerate(last.paragraphs[1:], start=1):
        if _SCHEDULE_NOTICE.search(text.lower()):
            blocks.append(Block(Role.OFFICIAL, None, None, last.paragraphs[i:], statement=True))
            del last.paragraphs[i:]
            return


def _label_of(para: Paragraph, ctx: LabelContext) -> tuple[Label | None, str]:
    text = para.text
    inner = _PARENTHESIZED.match(text)
    if inner:  # "（记者：日本媒体。目前有没有相关计划？）": an interjection in parentheses
        found = split_label(inner[1])
        if found:
            label = classify(found[0], para, ctx)
            if label is not None:
                label.interjection = True
                return label, found[1]
        return None, text
    found = split_label(text)
    if not found:
        return None, text
    label = classify(found[0], para, ctx)
    return (label, found[1]) if label is not None else (None, text)


def _reported_answer(text: str, blocks: list[Block], ctx: LabelContext) -> tuple[Label | None, str]:
    """ "耿爽表示，…" / "Lu Kang said …" right after a question: the official answering."""
    if blocks[-1].role is not Role.JOURNALIST:
        return None, text
    m = _REPORTED_SPEECH.match(text)
    name = m and (m[1] or m[2])
    if name and name in ctx.officials:
        return Label(name, Role.OFFICIAL), text
    return None, text


def _resumed_speaker(blocks: list[Block]) -> Label | None:
    """Who speaks again after a parenthesized interjection: the last official, if any."""
    for block in reversed(blocks):
        if block.role is Role.OFFICIAL and not block.statement:
            return block.label
    return None


def _unlabelled_question(para: Paragraph, previous: Block) -> bool:
    """A bold question paragraph whose label the editors forgot, right after an answer."""
    return (
        para.bold
        and previous.role is Role.OFFICIAL
        and not previous.statement
        and bool(_QUESTION_MARK.search(para.text[-3:]))
    )


def _current_official(blocks: list[Block]) -> Label | None:
    for block in reversed(blocks):
        if block.role is Role.OFFICIAL and block.label is not None and not block.label.generic:
            return block.label
    return None


def blocks_to_exchanges(
    blocks: list[Block], title_officials: list[str]
) -> tuple[list[Exchange], list[str]]:
    """Exchanges in page order and the officials who spoke, in order of first appearance."""
    speakers = Speakers(title_officials)
    for block in blocks:
        speakers.note(block)
    sole = speakers.seen[0] if len(speakers.seen) == 1 else None
    groups: list[list[Block]] = []
    for block in blocks:
        if block.statement:
            groups.extend([_statement_block(block, p, i)] for i, p in enumerate(block.paragraphs))
            continue
        if _starts_exchange(block, groups):
            groups.append([block])
        else:
            groups[-1].append(block)
    exchanges = [_exchange(i, group, sole) for i, group in enumerate(groups)]
    return exchanges, speakers.seen


def _statement_block(block: Block, paragraph: str, position: int) -> Block:
    """One statement paragraph; only its first paragraph keeps the printed label."""
    speaker = block.speaker if position == 0 else None
    return Block(block.role, speaker, block.label, [paragraph], statement=True)


def _starts_exchange(block: Block, groups: list[list[Block]]) -> bool:
    if not groups or groups[-1][0].statement:
        return True
    if block.role is not Role.JOURNALIST:
        return False
    label = block.label
    if label is not None and label.interjection:
        return False
    if label is not None and (label.follow_up or label.after_conference):
        return True
    # An interjection after the answer ("（记者：…）") does not make the next question part
    # of the exchange: what counts is the turn before it.
    last = next((b for b in reversed(groups[-1]) if not _is_interjection(b)), groups[-1][0])
    return last.role is not Role.JOURNALIST


def _is_interjection(block: Block) -> bool:
    return block.label is not None and block.label.interjection


def _exchange(index: int, group: list[Block], sole: str | None) -> Exchange:
    first = group[0]
    if first.statement:
        answerer = _official_name(first.label, sole) if first.role is Role.OFFICIAL else None
        text = first.text
        turn = Turn(ROLE_NAMES[first.role], first.speaker, text)
        return Exchange(index, "statement", None, None, answerer, text, turns=[turn])
    turns = [Turn(ROLE_NAMES[b.role], b.speaker, b.text) for b in group]
    questions = [b for b in group if b.role is Role.JOURNALIST]
    answers = [b for b in group if b.role is Role.OFFICIAL]
    asker_label = questions[0].label if questions else None
    # The first label printed names the asker (a lead-in line before it has none).
    named = next((b.label for b in questions if b.speaker and b.label is not None), None)
    asker = named.speaker if named is not None and not named.generic else None
    answerer = _official_name(answers[0].label, sole) if answers else None
    return Exchange(
        index=index,
        kind="qa",
        asker=asker,
        question=_joined_text(turns, "journalist"),
        answerer=answerer,
        answer=_joined_text(turns, "official"),
        follow_up=bool(asker_label and asker_label.follow_up),
        after_conference=any(b.label is not None and b.label.after_conference for b in questions),
        turns=turns,
    )


def _joined_text(turns: list[Turn], role: str) -> str | None:
    return "\n".join([t.text for t in turns if t.role == role]) or None


def _official_name(label: Label | None, sole: str | None) -> str | None:
    if label is not None and not label.generic and label.role is Role.OFFICIAL:
        return label.speaker
    return sole
