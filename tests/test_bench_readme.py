"""README's speed tables (helpers.runner.readme, ``python -m helpers.bench.readme``) are the ones generated from
results/benchmarks/*.json."""

from __future__ import annotations

import json

import pytest

from helpers.paths import REPO_ROOT
from helpers.runner import readme

README = REPO_ROOT / "README.md"


def _blocks(text: str) -> dict[str, str]:
    """What README holds between each pair of speed markers, by benchmark name."""
    found = [m for m in readme.SECTION.finditer(text) if m["name"].startswith("speed:")]
    return {m["name"].removeprefix("speed:"): m[0].split("\n", 1)[1].rsplit("\n", 1)[0] for m in found}


def test_readme_speed_tables_are_the_generated_ones():
    blocks = _blocks(README.read_text())
    assert "quick-standin" in blocks, "README.md lost its speed table markers"
    for name, block in blocks.items():
        assert block == readme.render(name), (
            f"README's {name} speed table is stale: run python -m helpers.bench.readme"
        )


def _row(method: str, reviews_s: float, speedup: float) -> dict:
    return {
        "task": "evaluation",
        "method": method,
        "reviews/s": reviews_s,
        "accuracy": 0.8125,
        "speed-up": speedup,
    }


def test_a_changed_measurement_changes_the_table_and_nothing_else(tmp_path):
    """A fabricated benchmark and page (the committed ones change with every benchmark run): the block between
    the markers follows the JSON; the prose around it stays as written."""
    folder, page = tmp_path / "benchmarks", tmp_path / "README.md"
    folder.mkdir()
    start, end = readme.markers("speed:toy-bench")
    record = {"table": [_row("baseline", 10.0, 1.0), _row("ours", 15.04, 1.504)]}
    (folder / "toy-bench.json").write_text(json.dumps(record))
    page.write_text(f"# Speed\n\nBefore the table.\n\n{start}\nold table\n{end}\n\nAfter it.\n")
    assert readme.update_speed_tables(page, folder)
    first = page.read_text()
    assert _blocks(first)["toy-bench"].splitlines()[2:] == [
        "| evaluation | baseline | 10.0 reviews/s | 0.812 | 1.00× |",
        "| evaluation | ours | 15.0 reviews/s | 0.812 | 1.50× |",
    ]
    assert readme.update_speed_tables(page, folder) and page.read_text() == first  # regenerated: no change

    record["table"][1] |= {"reviews/s": 41.26, "speed-up": 4.126}
    (folder / "toy-bench.json").write_text(json.dumps(record))
    assert readme.update_speed_tables(page, folder)
    after = page.read_text()
    assert (
        "| evaluation | ours | 41.3 reviews/s | 0.812 | 4.13× |" in _blocks(after)["toy-bench"].splitlines()
    )
    assert "15.0 reviews/s" not in after
    assert first.split(start)[0] == after.split(start)[0] and first.split(end)[1] == after.split(end)[1]


def test_rows_by_method_in_readme_order_and_the_default_in_bold():
    record = {
        "table": [
            {
                "task": "training",
                "method": "new default: x",
                "reviews/s": 2.0,
                "tokens/s": 2345.6,
                "accuracy": float("nan"),
                "speed-up": 1.5,
            },
            {
                "task": "evaluation",
                "method": "b",
                "reviews/s": 12.34,
                "tokens/s": 1.0,
                "accuracy": 0.8515625,
                "speed-up": 1.0,
            },
        ]
    }
    assert readme.speed_table(record).splitlines()[2:] == [
        "| training | **new default: x** | 2,346 tokens/s |  | **1.50×** |",
        "| evaluation | b | 12.3 reviews/s | 0.852 | 1.00× |",
    ]
    assert readme.speed_table(record, ["b"]).splitlines()[2:] == [
        "| evaluation | b | 12.3 reviews/s | 0.852 | 1.00× |"
    ]
    with pytest.raises(KeyError, match="no row for"):
        readme.speed_table(record, ["c"])


def test_a_readme_without_markers_is_left_alone(tmp_path):
    page = tmp_path / "README.md"
    page.write_text("# no tables\n")
    assert not readme.update_speed_tables(page)
    assert page.read_text() == "# no tables\n"
