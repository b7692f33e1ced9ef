"""Charts as SVG, drawn by pygal, readable without colour.

Each series differs by more than its colour: its own dash pattern, and values printed on
bars; the legend names every series. pygal writes a ``<script>`` with its tooltip settings
into every chart; it is taken out (the charts are served as images, which run no script
anyway, under a CSP that allows none). Labels are scraped names: pygal writes them through
its XML builder, which escapes them.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

import pygal
from pygal.style import Style

# pygal puts an import hook on sys.meta_path (for its optional map plugins) that lacks
# find_spec, so every later import warns (an error under -W error). No plugin is used here.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

# Dark, distinct colours; patterns carry the difference for readers who cannot tell them.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#222222",
    foreground_strong="#000000",
    foreground_subtle="#666666",
    colors=("#1f4e79", "#b35900", "#2e7d32", "#6a1b9a"),
    font_family="system-ui, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    title_font_size=14,
    value_font_size=10,
)
DASHES = ("", "8,4", "2,3", "10,3,2,3")  # solid, dashed, dotted, dash-dot
MAX_X_LABELS = 16


def _config() -> dict[str, object]:
    return {
        "style": STYLE,
        "js": [],
        "width": 820,
        "height": 320,
        "x_label_rotation": 40,
        "show_minor_x_labels": False,
        "legend_at_bottom": True,
        "truncate_label": 30,
        "truncate_legend": 40,
        "margin": 12,
        "print_zeroes": False,
        "include_x_axis": True,  # counts start at 0
    }


def _months_axis(chart: pygal.graph.graph.Graph, months: Sequence[str]) -> None:
    chart.x_labels = list(months)
    every = max(1, len(months) // MAX_X_LABELS)
    chart.x_labels_major = list(months[::every])


def line_chart(title: str, months: Sequence[str], series: Mapping[str, Sequence[int]]) -> bytes:
    """One line per series over months, each with its own dash pattern and dots."""
    chart = pygal.Line(title=title, dots_size=3, **_config())
    _months_axis(chart, months)
    for n, (name, values) in enumerate(series.items()):
        dash = DASHES[n % len(DASHES)]
        stroke = {"width": 2.5, "dasharray": dash} if dash else {"width": 2.5}
        chart.add(name, list(values), stroke_style=stroke)
    return _svg(chart)


def bar_chart(title: str, months: Sequence[str], values: Sequence[int], label: str) -> bytes:
    """One series of bars over months, values printed on the bars when there is room."""
    chart = pygal.Bar(title=title, print_values=len(months) <= 24, **_config())
    _months_axis(chart, months)
    chart.add(label, list(values))
    return _svg(chart)


def _svg(chart: pygal.graph.graph.Graph) -> bytes:
    tree = chart.render_tree()
    for script in [el for el in tree.iter() if str(el.tag).endswith("script")]:
        parent = script.getparent()
        if parent is not None:
            parent.remove(script)
    from lxml import etree

    svg: bytes = etree.tostring(tree, xml_declaration=True, encoding="utf-8")
    return svg
