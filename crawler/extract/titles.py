"""Which titles name a regular press briefing (shared by the page parser and the list filter).

Both ministry columns mix briefings with other items. The rule, decided once here:

- Chinese: a briefing title says the spokesperson *hosted* a regular press conference,
  ``主持例行记者会`` or, during the 2020 epidemic, ``主持网上例行记者会``. Statements
  (``发表谈话``), single answers (``答记者问``) and notices are not briefings.
- English: ``Regular Press Conference`` and the 2020 ``Daily Briefing Online`` (the English
  twin of ``主持网上例行记者会``, so both languages keep the same conferences). ``Remarks``
  (written answers during the conference recess; the Chinese twin is a ``答记者问``),
  statements, answers to a reporter's question and other notices are not briefings.
"""

from __future__ import annotations

import re

_ZH_BRIEFING = re.compile(r"主持\s*(?:网上)?\s*例行\s*记者\s*会")
_EN_BRIEFING = re.compile(
    r"\b(?:regular|daily|routine|online)\s+(?:press\s+)?(?:conference|briefing)s?\b"
    r"|\bbriefing\s+online\b"
)
# Items that mention a conference but are not one ("Remarks on ... at the press conference").
_EN_NOT_BRIEFING = re.compile(
    r"\bremarks\b|\bstatement\b|\banswers?\s+(?:a\s+)?(?:reporters?|journalists?)'?s?\b"
)


def is_briefing_title(title: str | None, language: str) -> bool:
    """True when ``title`` names a regular press briefing in ``language`` (``en``/``zh``)."""
    text = " ".join((title or "").split())
    if not text:
        return False
    if language.startswith("zh"):
        return bool(_ZH_BRIEFING.search(text))
    lowered = text.lower()  # the English patterns are lower case
    return bool(_EN_BRIEFING.search(lowered)) and not _EN_NOT_BRIEFING.search(lowered)
