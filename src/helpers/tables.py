"""The series' formatting of numbers and tables: every table of the notebooks goes through :func:`show_table`
(accuracy-like numbers with 3 decimals, times with 1, p-values like ``7.1e-04``, counts with thousands separators,
no ``NaN``, text left-aligned on one line, labels as neg/pos)."""

from __future__ import annotations

import html
import math
import re
from numbers import Integral, Real
from typing import Any

import pandas as pd

from helpers.labels import LABEL_NAMES

LABEL_COLUMNS = {"label", "pred", "true", "predicted", "true label", "predicted label"}
MISSING = "–"


def p_text(p: float) -> str:
    """A p-value as people read it: ``0.31``, ``0.042``, ``0.055``, ``7.1e-04``; never ``0.0000``, and never
    rounded across 0.05."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return MISSING
    if p >= 0.1:
        return f"{p:.2f}"
    if p >= 0.001:
        text = f"{p:.3f}"
        # never let rounding move a p-value across α = 0.05 (0.0499 is not "0.050")
        return text if (float(text) < 0.05) == (p < 0.05) else f"{p:.4f}"
    return f"{p:.1e}"


def number_text(value: Any, decimals: int = 3) -> str:
    """One cell: integers with separators, small numbers in scientific notation, others with ``decimals``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Integral):
        return f"{value:,}"
    if isinstance(value, Real):
        if value == 0:
            return "0"
        if float(value).is_integer() and abs(value) >= 1000:
            return f"{int(value):,}"
        return f"{value:.1e}" if abs(value) < 10 ** (-decimals) else f"{value:,.{decimals}f}"
    return " ".join(str(value).split())


def _is_p_column(name: Any) -> bool:
    return bool(re.search(r"(^|\b)p[ _-]?value", str(name), re.IGNORECASE))


def _whole_numbers(values: pd.Series) -> bool:
    present = values.dropna()
    return (
        pd.api.types.is_float_dtype(values)
        and len(present) > 0
        and bool((present == present.round()).all())
        and bool((present.abs() > 1).any())
    )


def format_table(frame: pd.DataFrame, decimals: int = 3) -> pd.DataFrame:
    """``frame`` as strings, formatted by the series' conventions (see the module docstring)."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if _is_p_column(column):
            out[column] = [p_text(v) for v in values]
        elif str(column).lower() in LABEL_COLUMNS and values.dropna().isin([0, 1]).all():
            out[column] = [MISSING if pd.isna(v) else LABEL_NAMES[int(v)] for v in values]
        elif re.search(r"(\bs|seconds|minutes|min)$", str(column)) and pd.api.types.is_numeric_dtype(values):
            out[column] = [number_text(v, 1) for v in values]  # times: a tenth is enough
        elif _whole_numbers(values):  # counts stored as floats (NaN where missing): no decimals
            out[column] = [MISSING if pd.isna(v) else f"{int(v):,}" for v in values]
        else:
            out[column] = [number_text(v, decimals) for v in values]
    out.index = [number_text(v, decimals) for v in frame.index]
    out.index.name = frame.index.name
    return out


def table_html(frame: pd.DataFrame, decimals: int = 3, index: bool = True, caption: str = "") -> str:
    """The formatted table as HTML: numbers right-aligned, text left-aligned, nothing truncated."""
    text = format_table(frame, decimals)
    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and c not in LABEL_COLUMNS}
    rows = []
    header = ([f"<th>{html.escape(str(frame.index.name or ''))}</th>"] if index else []) + [
        f'<th style="text-align: {"right" if c in numeric else "left"}">{html.escape(str(c))}</th>'
        for c in text.columns
    ]
    rows.append("<tr>" + "".join(header) + "</tr>")
    for label, row in text.iterrows():
        cells = [f'<th style="text-align: left">{html.escape(str(label))}</th>'] if index else []
        for column, value in row.items():
            # numbers never wrap (a p-value such as 7.9e-11 would break at its minus sign in a narrow column)
            style = "text-align: right; white-space: nowrap" if column in numeric else "text-align: left"
            cells.append(f'<td style="{style}">{html.escape(value)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'<table class="dataframe">{head}<thead>{rows[0]}</thead><tbody>{"".join(rows[1:])}</tbody></table>'
    )


def show_table(frame: pd.DataFrame, decimals: int = 3, index: bool = True, caption: str = "") -> None:
    """Display ``frame`` formatted (HTML for the rendered notebook, aligned text for a terminal)."""
    from IPython.display import display

    text = format_table(frame, decimals)
    plain = text.to_string(index=index)
    display(
        {"text/html": table_html(frame, decimals, index, caption), "text/plain": plain},
        raw=True,
    )
