"""Speaker labels: the short text before the first colon at the start of a paragraph.

A colon makes a label only when the text before it names a speaker. Cues, strongest first:
generic role words (``Q``, ``答``, ``Follow-up``, ``记者澄清`` ...), the officials named in
the title or known to have held the job, the ``...记者`` shape of Chinese outlet labels,
bold markup (questions are bold), a question mark in the paragraph, outlet-like words, and
finally the shape of the text (a short name, not a sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from crawler.extract.text import Paragraph


class Role(StrEnum):
    JOURNALIST = "journalist"
    OFFICIAL = "official"
    OTHER = "other"


@dataclass(slots=True)
class Label:
    speaker: str  # as printed, without the colon
    role: Role
    generic: bool = False  # Q / A / 问 / 答 / Journalist ...: names nobody
    follow_up: bool = False
    interjection: bool = False  # stays inside the current exchange
    after_conference: bool = False


@dataclass(slots=True)
class LabelContext:
    """What the page tells us about its speakers, plus what earlier paragraphs taught."""

    officials: set[str] = field(default_factory=set)  # names from the title + known names
    journalists: set[str] = field(default_factory=set)  # labels already seen on questions


# Spokespersons of the ministry, past and present: a cue, never the only one.
KNOWN_OFFICIALS = frozenset(
    """
    Zhu Bangzao|Sun Yuxi|Zhang Qiyue|Kong Quan|Liu Jianchao|Qin Gang|Jiang Yu|Ma Zhaoxu|Hong Lei
    Liu Weimin|Hua Chunying|Lu Kang|Geng Shuang|Zhao Lijian|Wang Wenbin|Mao Ning|Lin Jian
    Guo Jiakun|Tang Guoqiang|Shen Guofang|朱邦造|孙玉玺|章启月|孔泉|刘建超|秦刚|姜瑜|马朝旭|洪磊
    刘为民|华春莹|陆慷|耿爽|赵立坚|汪文斌|毛宁|林剑|郭嘉昆|唐国强|沈国放
    """.replace("\n", "|")
    .strip("|")
    .split("|")
) - {""}

_GENERIC = {
    # label (lower-case) -> (role, follow_up, interjection)
    "q": (Role.JOURNALIST, False, False),
    "question": (Role.JOURNALIST, False, False),
    "问": (Role.JOURNALIST, False, False),
    "记者问": (Role.JOURNALIST, False, False),
    "journalist": (Role.JOURNALIST, False, False),
    "reporter": (Role.JOURNALIST, False, False),
    "记者": (Role.JOURNALIST, False, False),
    "follow-up": (Role.JOURNALIST, True, False),
    "follow-up question": (Role.JOURNALIST, True, False),
    "follow up": (Role.JOURNALIST, True, False),
    "followup": (Role.JOURNALIST, True, False),
    "追问": (Role.JOURNALIST, True, False),
    "记者追问": (Role.JOURNALIST, True, False),
    "a": (Role.OFFICIAL, False, False),
    "answer": (Role.OFFICIAL, False, False),
    "答": (Role.OFFICIAL, False, False),
    "spokesperson": (Role.OFFICIAL, False, False),
    "spokesman": (Role.OFFICIAL, False, False),
    "发言人": (Role.OFFICIAL, False, False),
    "moderator": (Role.OTHER, False, False),
    "host": (Role.OTHER, False, False),
    "主持人": (Role.OTHER, False, False),
}
# The label patterns below match the lower-cased label (``key`` in ``classify``).
# "Journalist clarifies", "Journalist adds", "记者澄清", "记者解释", "记者补充" ...
_INTERJECTION = re.compile(
    r"^(?:the\s+)?(?:journalist|reporter|correspondent)\s+"
    r"(?:clarifies|clarified|adds|added|explains|explained|continues|continued|asks|asked|"
    r"interjects|interjected|responds|responded|replies|replied|says|said|notes|noted)$"
    r"|^记者(?:澄清|解释|补充|插话|回答|说|表示|笑|确认|更正)$"
)
# "The following question was raised (by a journalist) after the press conference",
# "After the press conference, the following question was raised", "会后有记者问及".
_AFTER_CONFERENCE = re.compile(
    r"after\s+the\s+(?:regular\s+)?(?:press\s+)?(?:conference|briefing)"
    r"|^会后|记者会后|例行记者会结束后"
)
# Editorial words that head a paragraph like a label but name no speaker ("Note:", "注："),
# even when set in bold: the paragraph continues the current turn.
_NOT_SPEAKERS = frozenset(
    {
        *("note", "notes", "nb", "n.b.", "editor's note", "editor’s note", "editorial note"),
        *("correction", "corrections", "clarification", "update", "updated", "disclaimer"),
        *("source", "sources", "attachment", "attachments", "appendix", "annex", "background"),
        *("ps", "p.s.", "related", "photo", "photos", "video", "link", "links"),
        *("注", "注释", "编者注", "编者按", "说明", "附", "附件", "附录", "更正", "备注", "来源"),
        *("相关链接", "背景"),
    }
)
_QUESTION_WORDS = re.compile(r"question|asked|raised|问|提问")
# An after-conference head that says who answered ("会后，就…所提问题，赵立坚表示") is a
# narrated lead-in sentence, not the label formula ("会后有记者问及"): see ``exchanges``.
_ANSWERING_WORDS = re.compile(
    r"表示|说|指出|回应|答|强调|\b(?:respond\w*|response|said|says|stated|answer\w*|made)\b"
)

_COLON = re.compile(r"[:：]")
_CLOCK = re.compile(r"\d\s*$")  # "As of 24:00": a time, not a label
_EN_SMALL_WORDS = frozenset(
    [
        "of",
        "the",
        "and",
        "de",
        "da",
        "del",
        "la",
        "le",
        "du",
        "von",
        "van",
        "for",
        "in",
        "on",
        "at",
        "&",
        "y",
        "e",
        "der",
        "des",
    ]
)
_EN_WORD = re.compile(r"^[A-Z0-9《“\"(][\w'’.&()/+\-]*$|^[a-z]+[A-Z][\w'’.&-]*$")
_EN_OUTLET_WORDS = re.compile(
    r"\b(?:TV|News|Agency|Times|Daily|Post|Press|Radio|Broadcasting|Broadcast|Media|Network|"
    r"Journal|Service|Group|Television|Channel|Herald|Tribune|Shimbun|Novosti|Sputnik|Reuters|"
    r"Bloomberg|Review|Magazine|Weekly|Corporation|Company|Xinhua|Kyodo|Yonhap|Tass|Newspaper|"
    r"Observer|Gazette|Asahi|Nikkei|Paper|Telegraph|Guardian|Monitor|Online|Outlook|Bureau)\b"
)
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&\-]{1,7}$")
_PERSON_NAME_EN = re.compile(r"^[A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,2}$")
_ZH_FORBIDDEN = re.compile(r"[，。；！？、“”‘’,;!?\"']")
_ZH_OUTLET_CHARS = re.compile(
    r"社|台|报|网|媒体|电视|通讯|新闻|杂志|周刊|广播|时报|日报|通讯社|CGTN|NHK"
)
# A label names someone; a head with a pronoun or a verb of saying is a clause of an answer
# ("我注意到网上很多人都在问", "我注意到有中方媒体提出过这样一个问题").
# "问" alone is not a clause: "总台央视记者提问", "法新社记者追问" are labels; the asking verbs of
# a narrating clause are spelled out ("都在问", "问道", "问及").
_ZH_CLAUSE = re.compile(
    r"[我你您他她]|在问|问道|问及|说|表示|指出|提出|认为|注意到|强调|回答|谈到|提到|称"
)
# Case-sensitive: "US" and "WE TV" are names, "us"/"we" are pronouns.
_EN_PERSON = re.compile(r"\b(?:I|[Ww]e|[Yy]ou|me|us|[Mm]y|[Oo]ur|[Yy]our)\b")
_EN_LIST_SEPARATOR = re.compile(r"\s*,\s*")
_HAS_HAN = re.compile(r"[\u4e00-\u9fff]")
_QUESTION_MARK = re.compile(r"[?？]")


def split_label(text: str) -> tuple[str, str] | None:
    """``(label, rest)`` when the paragraph starts with a short ``xxx:`` head, else None."""
    m = _COLON.search(text, 0, 130)
    if m is None:
        return None
    head = text[: m.start()].rstrip()
    rest = text[m.end() :].strip()
    if not head or len(head) > 120 or (_CLOCK.search(head) and rest[:1].isdigit()):
        return None
    return head, rest


def classify(head: str, para: Paragraph, ctx: LabelContext) -> Label | None:
    """The label ``head`` (text before the colon) names, or None when it is not a label."""
    key = " ".join(head.split()).lower()
    if key in _NOT_SPEAKERS:
        return None
    if key in _GENERIC:
        role, follow_up, interjection = _GENERIC[key]
        return Label(head, role, generic=True, follow_up=follow_up, interjection=interjection)
    if _INTERJECTION.match(key):
        return Label(head, Role.JOURNALIST, generic=True, interjection=True)
    if _is_after_conference_label(key, head):
        return Label(head, Role.JOURNALIST, generic=True, after_conference=True)
    if head in ctx.officials:
        return Label(head, Role.OFFICIAL)
    if head in ctx.journalists:
        return Label(head, Role.JOURNALIST)
    if _HAS_HAN.search(head):
        return _classify_zh(head, para, ctx)
    return _classify_en(head, para, ctx)


def _is_after_conference_label(key: str, head: str) -> bool:
    """The after-conference formula ("The following question was raised after the press
    conference", "会后有记者问及"): says a question was raised, not who answered it."""
    return (
        bool(_AFTER_CONFERENCE.search(key))
        and bool(_QUESTION_WORDS.search(key))
        and not _ANSWERING_WORDS.search(key)
        and not _EN_PERSON.search(head)
    )


# The after-conference formula on a line of its own, with no question in it (lower-cased,
# end punctuation stripped): "The following question is raised after the press conference."
_EN_CONFERENCE = r"after the (?:regular )?(?:press )?(?:conference|briefing)"
_AFTER_CONFERENCE_ANNOUNCEMENT = re.compile(
    r"(?:the )?following questions? (?:was|were|is|are|has been|have been) (?:raised|asked)"
    rf"(?: by (?:a |the |some )?(?:journalists?|reporters?))? {_EN_CONFERENCE}"
    rf"|{_EN_CONFERENCE},? (?:the following questions? (?:was|were|is|are) (?:raised|asked)"
    r"|(?:a |some )?(?:journalists?|reporters?) (?:asked|raised) (?:the following|a) questions?)"
    r"|(?:会后|记者会后)，?有?记者还?(?:问及|提问|问)了?(?:以下|如下)?(?:问题)?"
)
# A paragraph opening with the after-conference phrase that reports a question or an answer:
# "After the Press Conference, a journalist asked if …", "会后，就…记者所提问题，赵立坚表示：".
_AFTER_CONFERENCE_OPENING = re.compile(rf"^(?:{_EN_CONFERENCE}\b|会后|记者会后|例行记者会结束后)")
_ZH_PERSON = re.compile(r"[我你您]")


def is_after_conference_announcement(text: str) -> bool:
    """The paragraph only says that after-conference questions follow (a label on its own)."""
    key = " ".join(text.split()).lower().rstrip(".。:：")
    return len(key) < 120 and bool(_AFTER_CONFERENCE_ANNOUNCEMENT.fullmatch(key))


def is_after_conference_lead_in(text: str) -> bool:
    """An unlabelled paragraph that opens an after-conference exchange with words of its own.

    It must open with the phrase (an answer that mentions "after the press conference"
    mid-sentence is no marker), speak of a question, and not be the spokesperson speaking
    ("会后我们再向你了解", "After the press conference, we will …").
    """
    key = " ".join(text.split()).lower()
    return (
        len(key) < 300
        and bool(_AFTER_CONFERENCE_OPENING.match(key))
        and bool(_QUESTION_WORDS.search(key))
        and not _EN_PERSON.search(text)
        and not _ZH_PERSON.search(text)
    )


def _classify_zh(head: str, para: Paragraph, ctx: LabelContext) -> Label | None:
    if len(head) > 30 or _ZH_CLAUSE.search(head):
        return None
    parts = head.split("、")
    if len(parts) > 1:  # "彭博社记者、土耳其阿纳多卢通讯社记者": one label, two outlets
        outlets = all(part and _zh_outlet(part, para) for part in parts)
        return Label(head, Role.JOURNALIST) if outlets else None
    if _ZH_FORBIDDEN.search(head):
        return None
    # "路透社记者", "《中国日报》记者", "法新社记者追问" (a follow-up by a named outlet).
    m = re.match(r"^(.+?记者)(追问|提问|澄清|解释|补充)?$", head)
    if m:
        follow_up = m[2] == "追问"
        interjection = m[2] in ("澄清", "解释", "补充")
        return Label(head, Role.JOURNALIST, follow_up=follow_up, interjection=interjection)
    return Label(head, Role.JOURNALIST) if _zh_outlet(head, para) else None


def _zh_outlet(head: str, para: Paragraph) -> bool:
    """An outlet's name: "路透社记者", or outlet words in a bold or questioning paragraph."""
    if _ZH_FORBIDDEN.search(head):
        return False
    if head.endswith("记者"):
        return True
    questioned = para.bold_prefix(len(head)) or bool(_QUESTION_MARK.search(para.text))
    return questioned and bool(_ZH_OUTLET_CHARS.search(head))


def _classify_en(head: str, para: Paragraph, ctx: LabelContext) -> Label | None:
    if _EN_PERSON.search(head):  # "As I said", "You asked": a sentence, not a speaker
        return None
    parts = [p for p in _EN_LIST_SEPARATOR.split(head) if p]
    if not all(_looks_like_name(part) for part in parts):  # "Reuters, Bloomberg": each a name
        return None
    bold = para.bold_prefix(len(head))
    asks = bool(_QUESTION_MARK.search(para.text))
    if bold or _EN_OUTLET_WORDS.search(head) or _ACRONYM.match(head):
        return Label(head, Role.JOURNALIST)
    if _PERSON_NAME_EN.match(head) and not asks:
        # A plain, unbolded person's name answering: an official not named in the title
        # (a spokesperson introducing a colleague, a guest official).
        return Label(head, Role.OFFICIAL)
    if asks:
        return Label(head, Role.JOURNALIST)
    return None


def _looks_like_name(head: str) -> bool:
    """A short title-cased phrase ("China Daily", "RIA Novosti"), not a sentence."""
    words = head.split()
    if not 1 <= len(words) <= 8 or not words[0][:1].isupper():
        return False
    return all(_EN_WORD.match(w) or w.lower() in _EN_SMALL_WORDS for w in words)


def title_officials(title: str) -> list[str]:
    """Spokesperson names a title gives: "Spokesperson Mao Ning's ...", "发言人毛宁主持..."."""
    names: list[str] = []
    for m in re.finditer(
        r"Spokes(?:person|man|woman)\s+((?:[A-Z][a-z]+[ -]?){1,3}?)\s*(?:'|’|&#39;)s\b", title
    ):
        names.append(m[1].strip())
    for m in re.finditer(r"发言人([\u4e00-\u9fff]{2,4}?)(?:主持|答记者问|就|发表|表示)", title):
        names.append(m[1])
    for m in re.finditer(
        r"Spokes(?:person|man|woman)s?\s+([A-Z][a-z]+ [A-Z][a-z]+) and ([A-Z][a-z]+ [A-Z][a-z]+)",
        title,
    ):
        names.extend([m[1], m[2]])
    return list(dict.fromkeys(names))
