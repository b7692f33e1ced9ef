"""English↔Chinese alignment of briefings: pure functions, no database, network or model.

- ``pairing.pair_briefings``: which English briefing is which Chinese one (link, date,
  content).
- ``aligner.align_pair``: exchange rows (1–1, 2–1, 1–2, 1–0, 0–1) with scores and the
  features behind them; ``aligner.calibrate`` refits the length model.
- ``outlets``: the bilingual outlet table (``outlets.toml``), lookups, config extension;
  ``suggest.suggest_outlets`` proposes new entries from aligned rows.
- ``asymmetry.find_asymmetries``: only-in-one-language exchanges, translation mismatches
  and one-sided edits, as typed findings (``ledger_one_sided_edits``: one-sided edits from
  the archive's ledger of edits).

The database side (pairing the archive's briefings, storing rows and findings, ledger
events) is ``storage/pairs.py``; reading it back, ``storage/pair_views.py``.

Nothing here imports the archive's models, SQLAlchemy, Scrapy or Twisted.
"""

from __future__ import annotations

from storage.align.aligner import (
    ALIGNER_VERSION,
    Alignment,
    AlignOptions,
    Row,
    align_exchanges,
    align_pair,
    calibrate,
    options_fingerprint,
)
from storage.align.asymmetry import (
    Edit,
    Finding,
    SideEdits,
    SideHistory,
    Version,
    find_asymmetries,
    ledger_one_sided_edits,
)
from storage.align.length import LengthModel, default_length_model
from storage.align.outlets import (
    Outlet,
    OutletTable,
    canonical_outlet,
    canonical_outlets,
    default_table,
    outlet_table,
)
from storage.align.pairing import Candidate, Pair, Pairing, Unpaired, pair_briefings
from storage.align.scoring import RowFeatures, SemanticScorer, Weights
from storage.align.suggest import ExchangeRef, Suggestion, suggest_outlets

__all__ = [
    "ALIGNER_VERSION",
    "AlignOptions",
    "Alignment",
    "Candidate",
    "Edit",
    "ExchangeRef",
    "Finding",
    "LengthModel",
    "Outlet",
    "OutletTable",
    "Pair",
    "Pairing",
    "Row",
    "RowFeatures",
    "SemanticScorer",
    "SideEdits",
    "SideHistory",
    "Suggestion",
    "Unpaired",
    "Version",
    "Weights",
    "align_exchanges",
    "align_pair",
    "calibrate",
    "canonical_outlet",
    "canonical_outlets",
    "default_length_model",
    "default_table",
    "find_asymmetries",
    "ledger_one_sided_edits",
    "options_fingerprint",
    "outlet_table",
    "pair_briefings",
    "suggest_outlets",
]
