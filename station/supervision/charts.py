"""The charts of the 月通报, drawn with matplotlib as PNG images.

Three pictures: 办结量 and 按时办结率 per township, the 12-month trend of 受理量 and
办结量, and the offices ranked by 按时办结率.  The labels are set in the font the
printed documents embed (``station.documents.fonts``), registered with matplotlib by
its path, so a chart never depends on what fonts the system happens to have.

matplotlib is imported inside the functions: the command line does not pay for it
unless it draws.  Only the object interface (``Figure``) is used, never ``pyplot``,
so drawing on the window's worker thread touches no global figure state.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from station.documents.fonts import find_cjk_font
from station.i18n import _
from station.supervision.columns import month_label, ranked
from station.supervision.figures import Figures, Row

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["DPI", "WIDTH_INCHES", "office_ranking", "township_bars", "trend_lines"]

DPI = 200
WIDTH_INCHES = 6.8  # the printed page's content width (174 mm)
HEIGHT_INCHES = 2.9
BAR = "#4a78a8"
RECEIVED_COLOUR = "#4a78a8"
DECIDED_COLOUR = "#d0782a"
RATE_COLOUR = "#b02a37"
MOST_BARS = 30  # a chart of more offices or townships shows the first (best) ones

_lock = threading.Lock()
_families: dict[tuple[str, int], str] = {}


def font_family() -> str:
    """Register the documents' CJK font file with matplotlib (once); its family name."""
    from matplotlib import font_manager

    found = find_cjk_font()
    key = (str(found.path), found.index)
    with _lock:
        if key not in _families:
            font_manager.fontManager.addfont(str(found.path))
            entry = next((e for e in font_manager.fontManager.ttflist
                          if e.fname == str(found.path) and e.index == found.index), None)
            entry = entry or next(e for e in font_manager.fontManager.ttflist
                                  if e.fname == str(found.path))
            _families[key] = entry.name
        return _families[key]


def _settings() -> Any:  # matplotlib's rc keys are a Literal type
    return {"font.family": [font_family()], "font.size": 8.5, "axes.unicode_minus": False,
            "axes.spines.top": False, "axes.spines.right": False}


def _figure(height: float = HEIGHT_INCHES) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")


def _png(figure: Figure) -> bytes:
    """The figure as an opaque PNG (no alpha: one image per chart in the PDF)."""
    from PIL import Image

    drawn = io.BytesIO()
    figure.savefig(drawn, format="png", dpi=DPI, facecolor="white")
    drawn.seek(0)
    out = io.BytesIO()
    with Image.open(drawn) as image:
        image.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def _nothing(axes: Axes, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])


def _percent_axis(axes: Axes) -> None:
    from matplotlib.ticker import PercentFormatter

    axes.set_ylim(0, 1.25)  # room above 100 % for the legend
    axes.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _tick_labels(axes: Axes, names: Sequence[str]) -> None:
    axes.set_xticks(range(len(names)))
    turned = len(names) > 6 or max((len(n) for n in names), default=0) * len(names) > 48
    axes.set_xticklabels(names, rotation=35 if turned else 0, ha="right" if turned else "center")


def township_bars(rows: Sequence[Row]) -> bytes:
    """办结量 per township (bars) and its 按时办结率 (points, right-hand axis)."""
    from matplotlib import rc_context

    shown = list(rows)[:MOST_BARS]
    with rc_context(_settings()):
        figure = _figure()
        axes = figure.add_subplot()
        axes.set_title(_("各乡镇办结量与按时办结率"))
        if not shown:
            _nothing(axes, _("本月没有数据"))
            return _png(figure)
        places = range(len(shown))
        bars = axes.bar(places, [r.figures.decided for r in shown], color=BAR, width=0.6,
                        label=_("办结量"))
        axes.bar_label(bars, padding=2, fontsize=7.5)
        axes.set_ylabel(_("办结量（件）"))
        axes.margins(y=0.25)
        _tick_labels(axes, [r.name for r in shown])
        spare = max(0.0, (4 - len(shown)) / 2)  # a few bars stay narrow, in the middle
        axes.set_xlim(-0.7 - spare, len(shown) - 0.3 + spare)
        rates = axes.twinx()
        rates.spines["right"].set_visible(True)
        measured = [(i, r.figures.on_time_rate) for i, r in enumerate(shown)
                    if r.figures.on_time_rate is not None]
        points = rates.plot([i for i, _r in measured], [r for _i, r in measured], "o",
                            color=RATE_COLOUR, label=_("按时办结率"))
        _percent_axis(rates)
        rates.set_ylabel(_("按时办结率"))
        axes.legend(handles=[bars, *points], loc="upper left", fontsize=7.5, frameon=False,
                    ncols=2, bbox_to_anchor=(0, 1.0))
        return _png(figure)


def trend_lines(trend: Sequence[tuple[str, Figures]]) -> bytes:
    """受理量 and 办结量 over the twelve months to the report's month."""
    from matplotlib import rc_context
    from matplotlib.ticker import MaxNLocator

    with rc_context(_settings()):
        figure = _figure()
        axes = figure.add_subplot()
        axes.set_title(_("近12个月受理量与办结量"))
        if not trend:
            _nothing(axes, _("本月没有数据"))
            return _png(figure)
        places = range(len(trend))
        axes.plot(places, [f.received for _m, f in trend], "-o", color=RECEIVED_COLOUR,
                  label=_("受理量"), markersize=3.5)
        axes.plot(places, [f.decided for _m, f in trend], "-s", color=DECIDED_COLOUR,
                  label=_("办结量"), markersize=3.5)
        axes.set_xticks(list(places))
        axes.set_xticklabels([month_label(m) for m, _f in trend], rotation=35, ha="right")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(bottom=0)
        axes.margins(y=0.15)
        axes.set_ylabel(_("件数"))
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes.legend(loc="upper left", fontsize=7.5, frameon=False, ncols=2)
        return _png(figure)


def office_ranking(rows: Sequence[Row]) -> bytes:
    """Offices ranked by 按时办结率 (best on top), each bar labelled with its rate."""
    from matplotlib import rc_context
    from matplotlib.ticker import PercentFormatter

    shown = ranked(rows)[:MOST_BARS]
    height = max(HEIGHT_INCHES, 0.75 + 0.28 * len(shown))
    with rc_context(_settings()):
        figure = _figure(height)
        axes = figure.add_subplot()
        axes.set_title(_("各科室按时办结率排名"))
        if not shown:
            _nothing(axes, _("本月没有办结的办件"))
            return _png(figure)
        places = list(range(len(shown)))[::-1]  # the best at the top
        rates = [float(r.figures.on_time_rate or 0) for r in shown]
        bars = axes.barh(places, rates, color=BAR, height=0.6)
        axes.bar_label(bars, labels=[f"{v * 100:.1f}%" for v in rates], padding=3,
                       fontsize=7.5)
        axes.set_yticks(places)
        axes.set_yticklabels([f"{i}. {r.name}" for i, r in enumerate(shown, 1)])
        axes.set_xlim(0, 1.15)
        axes.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        return _png(figure)
