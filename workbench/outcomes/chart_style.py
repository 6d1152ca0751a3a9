"""What every chart shares: its colours, its title, its text summary and its readable table.

Colours (WCAG 2.2 AA, 1.4.11 non-text contrast): every colour a mark is drawn in is at least 3:1
against the white page. :data:`PALETTE` is the Okabe & Ito (2008) colour-blind-safe palette with
the hues too light for white (orange, sky blue, yellow) left out or darkened; :data:`HEAT` is
the dark half of viridis (the light half is 1.3:1 on white at its end). Colour is never the only
difference between series next to each other: each chart also labels, shapes or orders them.

Text alternatives (1.1.1): every chart carries a one-line summary (its ``description``, given
back by :func:`describe`) and a readable table (in its ``usermeta``, given back by
:func:`chart_table`): the chart's numbers with the chart's headers and formatting ("87%", not
0.8667), no drawing helpers. :func:`chart_data` still gives the table the chart draws.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

# Okabe & Ito's blue, vermillion, bluish green and reddish purple, the last two darkened, and a
# dark ochre in place of their orange and yellow: each >= 3:1 on white (5.2, 3.9, 5.3, 5.0, 4.9).
PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#007A5E", "#A8518A", "#8F6B00", "#000000")
# Series that are "not counted" (too few to compare): a grey at 5.0:1.
GREY = "#6F6F6F"
# Viridis from its middle (#21918C, 3.8:1 on white) to its dark end: few -> many. Interpolated in
# RGB, where luminance along a segment never exceeds its lighter end, so every cell is >= 3:1.
HEAT: tuple[str, ...] = ("#21918C", "#2C728E", "#3B528B", "#472D7B", "#440154")
BACKGROUND = "#FFFFFF"
# A white edge between touching marks (bars side by side, stacked segments, grid cells).
EDGE = {"stroke": BACKGROUND, "strokeWidth": 1}


def relative_luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of a ``#RRGGBB`` colour."""
    code = colour.lstrip("#")
    channels = [int(code[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str = BACKGROUND) -> float:
    """WCAG 2.2 contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def spoken(chart: alt.Chart, expression: str) -> alt.Chart:
    """What a screen reader says for each mark of ``chart``: a Vega expression over the mark's
    row, instead of Vega's default list of raw encoded values ("share: 0.866667")."""
    return chart.transform_calculate(spoken=expression).encode(description="spoken:N")


def palette(n: int) -> list[str]:
    """``n`` series colours in :data:`PALETTE` order (repeating past six)."""
    return [PALETTE[i % len(PALETTE)] for i in range(max(n, 1))]


def pct(value: float | None) -> str:
    """A share as the charts write it: 0.8667 -> "87%"."""
    return "n/a" if value is None or pd.isna(value) else f"{value:.0%}"


def title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined, anchor="start")


def with_table(chart: alt.TopLevelMixin, table: pd.DataFrame) -> alt.TopLevelMixin:
    """Attach the chart's readable table (see :func:`chart_table`) and return the chart."""
    split = json.loads(table.to_json(orient="split", index=False))
    return chart.properties(
        usermeta={"table": {"columns": split["columns"], "rows": split["data"]}}
    )


def chart_table(chart: alt.TopLevelMixin | dict) -> pd.DataFrame:
    """The chart's readable table: its text alternative for a screen reader or a report."""
    meta = chart.get("usermeta") if isinstance(chart, dict) else getattr(chart, "usermeta", None)
    if not isinstance(meta, dict) or "table" not in meta:
        raise ValueError("This chart has no readable table attached.")
    return pd.DataFrame(meta["table"]["rows"], columns=meta["table"]["columns"])


def chart_data(chart: alt.TopLevelMixin) -> pd.DataFrame:
    """The table a chart draws (a copy), helper columns and all."""
    data = getattr(chart, "data", alt.Undefined)
    if isinstance(data, pd.DataFrame):
        return data.copy()
    for attr in ("layer", "vconcat", "hconcat", "concat"):
        for sub in getattr(chart, attr, None) or []:
            found = getattr(sub, "data", alt.Undefined)
            if isinstance(found, pd.DataFrame):
                return found.copy()
    raise ValueError("This chart has no table attached.")


def describe(chart: alt.TopLevelMixin) -> str:
    """The one-line text summary stored with a chart."""
    text = getattr(chart, "description", alt.Undefined)
    return "" if text is alt.Undefined else str(text)


def empty_chart(heading: str, message: str) -> alt.TopLevelMixin:
    """A chart with nothing to draw: the message, in words and in its table."""
    frame = pd.DataFrame({"message": [message]})
    chart = (
        alt.Chart(frame)
        .mark_text(size=14)
        .encode(text="message:N")
        .properties(title=title(heading), description=message, width=400, height=60)
    )
    return with_table(chart, pd.DataFrame({"Note": [message]}))


def render_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes, rendered offline."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(chart.to_json(), scale=scale)


def render_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG document, rendered offline."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_json())
