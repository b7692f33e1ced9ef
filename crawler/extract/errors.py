"""The one exception of the extraction package."""

from __future__ import annotations


class NotATranscript(Exception):
    """The page holds no briefing transcript; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
