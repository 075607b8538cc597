"""Benchmark helpers: print a table of rows and merge rows into `reports/bench.json` by `name`.

A row is a flat dict with a `name` and figures as numbers (plus, where useful, small nested objects such as the
input where a maximum occurs). Every benchmark in `benchmarks/` builds rows and hands them to these two
functions, so `reports/bench.json` accumulates one row per measured quantity across all benchmarks.
"""

import json
from collections.abc import Sequence
from pathlib import Path

REPORT = Path("reports/bench.json")


def _cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.2e}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def format_table(rows: Sequence[dict], columns: Sequence[tuple[str, str]]) -> str:
    """Render `rows` as a Markdown table; `columns` are (key, header) pairs, missing keys print as blank."""
    header = [title for _, title in columns]
    body = [[_cell(row[key]) if key in row else "" for key, _ in columns] for row in rows]
    widths = [max(len(cell) for cell in column) for column in zip(header, *body, strict=True)]
    lines = [header, ["-" * width for width in widths], *body]
    return "\n".join(
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) + " |"
        for line in lines
    )


def print_table(title: str, rows: Sequence[dict], columns: Sequence[tuple[str, str]]) -> None:
    print(f"\n{title}\n")
    print(format_table(rows, columns))


def merge_report(rows: Sequence[dict], path: Path = REPORT) -> Path:
    """Replace the rows of `path` that share a `name` with `rows`, keep the others, and write the file."""
    existing = json.loads(path.read_text()) if path.exists() else []
    names = {row["name"] for row in rows}
    merged = [row for row in existing if row.get("name") not in names] + list(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sorted(merged, key=lambda row: row["name"]), indent=2) + "\n")
    return path


def report(title: str, rows: Sequence[dict], columns: Sequence[tuple[str, str]]) -> bool:
    """Print the table, merge the rows into the report, and say whether every row with targets met them."""
    print_table(title, rows, columns)
    print(f"\nwrote {merge_report(rows)}")
    return all(row.get("targets_met", True) for row in rows)
