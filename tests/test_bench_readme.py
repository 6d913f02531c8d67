"""helpers.bench.readme: README's speed tables are the ones generated from results/benchmarks/*.json."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers.bench import readme
from helpers.paths import REPO_ROOT

README = REPO_ROOT / "README.md"


def _blocks(text: str) -> dict[str, str]:
    """What README holds between each pair of speed markers, by benchmark name."""
    return {m["name"]: m[0].split("\n", 1)[1].rsplit("\n", 1)[0] for m in readme.BLOCK.finditer(text)}


def test_readme_speed_tables_are_the_generated_ones():
    blocks = _blocks(README.read_text())
    assert "quick-standin" in blocks, "README.md lost its speed table markers"
    for name, block in blocks.items():
        assert block == readme.render(name), (
            f"README's {name} speed table is stale: run python -m helpers.bench.readme"
        )


def test_a_changed_measurement_changes_the_table(tmp_path):
    folder = tmp_path / "benchmarks"
    folder.mkdir()
    shutil.copy(readme.BENCH_DIR / "quick-standin.json", folder)
    page = tmp_path / "README.md"
    page.write_text(README.read_text())
    assert readme.update_speed_tables(page, folder)
    assert page.read_text() == README.read_text()  # the committed numbers: nothing to change

    record = json.loads((folder / "quick-standin.json").read_text())
    row = next(r for r in record["table"] if r["method"] == "ours: predict, bf16 autocast, head+tail")
    row["reviews/s"], row["speed-up"] = 41.26, 2.176
    (folder / "quick-standin.json").write_text(json.dumps(record))
    assert readme.update_speed_tables(page, folder)
    (block,) = [b for name, b in _blocks(page.read_text()).items() if name == "quick-standin"]
    assert (
        "| evaluation | ours: predict, bf16 autocast, head+tail | 41.3 reviews/s | 0.875 | 2.18× |"
        in block.splitlines()
    )
    assert "25.2 reviews/s" not in block
    # only the table changed: the prose around it is README's
    before, after = README.read_text(), page.read_text()
    start, end = readme.markers("quick-standin")
    assert before.split(start)[0] == after.split(start)[0] and before.split(end)[1] == after.split(end)[1]


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
