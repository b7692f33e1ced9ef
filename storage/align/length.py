"""How long a Chinese exchange is for an English one of a given length (Gale–Church).

Lengths are non-space characters on both sides. Gale and Church model the difference of
two lengths with a variance growing with length; whole exchanges are long (hundreds to
thousands of characters) and their translators' wordiness varies by a steady share, so here
the *log* of the ratio is normal, with a variance that shrinks with length towards a floor:
``log(zh / en) ~ N(log_ratio, floor + spread / en)`` (on the fixtures the log ratio's
standard deviation is about 0.22 at 150 English characters and 0.10 past 1,000). ``calibrate`` fits both from confidently aligned 1–1
rows; ``default_length_model()`` is the fit on the fixture pairs, shipped in
``length.toml`` beside this file (``benchmarks/align.py --calibrate`` refits it).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

_MIN_LOG_P = -12.0  # floor of the log-probability: one wild row must not swamp the rest


@dataclass(frozen=True, slots=True)
class LengthModel:
    """log(zh / en) ~ N(log_ratio, floor + spread / en): short texts vary more."""

    log_ratio: float  # mean log of Chinese characters per English character
    floor: float  # variance of the log ratio for very long exchanges
    spread: float  # extra variance, divided by the English length
    samples: int = 0  # rows the fit used (0 for a hand-set model)

    @property
    def ratio(self) -> float:
        return math.exp(self.log_ratio)

    def delta(self, en_len: int, zh_len: int) -> float:
        """How many standard deviations the Chinese length is off its expected value."""
        en, zh = max(en_len, 1), max(zh_len, 1)
        return (math.log(zh / en) - self.log_ratio) / math.sqrt(self.floor + self.spread / en)

    def log_p(self, en_len: int, zh_len: int) -> float:
        """log P(|Δ| ≥ |δ|) under the normal model: 0 for a perfect fit, negative beyond."""
        tail = math.erfc(abs(self.delta(en_len, zh_len)) / math.sqrt(2.0))
        return max(math.log(tail), _MIN_LOG_P) if tail > 0 else _MIN_LOG_P


@dataclass(frozen=True, slots=True)
class LengthSample:
    en_len: int
    zh_len: int


def fit(samples: Iterable[LengthSample], *, trim: float = 3.0) -> LengthModel:
    """Fit the model, then refit once without the rows past ``trim`` σ of the first fit."""
    rows = [s for s in samples if s.en_len > 0 and s.zh_len > 0]
    if len(rows) < 3:
        raise ValueError("need at least three aligned rows to fit a length model")
    model = _fit_once(rows)
    kept = [s for s in rows if abs(model.delta(s.en_len, s.zh_len)) <= trim]
    return _fit_once(kept) if len(kept) >= 3 else model


def _fit_once(rows: list[LengthSample]) -> LengthModel:
    """Mean log ratio; then squared residuals regressed on 1/en (least squares, ≥ 0)."""
    logs = [math.log(s.zh_len / s.en_len) for s in rows]
    mean = sum(logs) / len(logs)
    xs = [1.0 / s.en_len for s in rows]
    ys = [(v - mean) ** 2 for v in logs]
    x_bar, y_bar = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - x_bar) ** 2 for x in xs)
    slope = (
        sum((x - x_bar) * (y - y_bar) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    )
    slope = max(slope, 0.0)
    floor = max(y_bar - slope * x_bar, 1e-4)
    return LengthModel(log_ratio=mean, floor=floor, spread=slope, samples=len(rows))


@cache
def default_length_model() -> LengthModel:
    """The model fitted on the fixture pairs (``length.toml``)."""
    text = resources.files(__package__).joinpath("length.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)["length"]
    return LengthModel(
        log_ratio=float(data["log_ratio"]),
        floor=float(data["floor"]),
        spread=float(data["spread"]),
        samples=int(data["samples"]),
    )
