"""The comparison helpers of ``evaluation`` and the README table of ``runner.readme``, on hand-made results."""

import pandas as pd
import pytest

from helpers import comparisons, evaluation, results_files
from helpers.runner.readme import (
    SectionMissing,
    markers,
    render,
    run_markdown,
    update_readme,
    update_sections,
)

RESULTS, FINDINGS = markers("results"), markers("findings")


@pytest.fixture
def results_dir(tmp_path):
    labels = [1, 1, 1, 1, 0, 0, 0, 0]
    common = {
        "profile": "t",
        "data_source": {"kind": "bundled", "description": "bundled copy"},
        "review_ids": [f"r{i}" for i in range(8)],
        "y_true": labels,
        "train_seconds": 1.0,
        "predict_seconds": 0.5,
        "folder": tmp_path,
    }
    # rf: right on r0–r5; zero_shot: right on r2–r7; fine_tuned: right everywhere.
    results_files.write_results(
        model_key="bow_random_forest",
        model="RF",
        model_source="scikit-learn",
        y_pred=[1, 1, 1, 1, 0, 0, 1, 1],
        p_pos=[0.9] * 4 + [0.1] * 2 + [0.8] * 2,
        **common,
    )
    results_files.write_results(
        model_key="zero_shot",
        model="SST-2 model",
        model_source={"kind": "standin"},
        y_pred=[0, 0, 1, 1, 0, 0, 0, 0],
        p_pos=[0.2] * 2 + [0.9] * 2 + [0.1] * 4,
        **common,
    )
    results_files.write_results(
        model_key="fine_tuned",
        model="fine-tuned",
        model_source={"kind": "path"},
        extra={"base_model_source": {"kind": "standin"}},
        y_pred=labels,
        p_pos=[0.9] * 4 + [0.1] * 4,
        **common,
    )
    return tmp_path


def test_comparison_table_has_one_row_per_model_with_the_study_beside(results_dir):
    table = comparisons.comparison_table(results_files.load_results("t", folder=results_dir))
    assert table.loc["bow_random_forest", "accuracy"] == 0.75
    assert table.loc["bow_random_forest", "study (n=1,000)"] == 0.84
    assert table.loc["zero_shot", "model source"] == "stand-in"
    assert table.loc["fine_tuned", "model source"] == "stand-in, fine-tuned"
    # zero_shot predicts 6 negatives, 4 of them right: neg precision 4/6.
    assert table.loc["zero_shot", "neg precision"] == pytest.approx(4 / 6)


def test_pairwise_mcnemar_pairs_reviews_by_id(results_dir):
    results = results_files.load_results("t", folder=results_dir)
    record, predictions = results["zero_shot"]
    results["zero_shot"] = (record, predictions.iloc[::-1])  # paired by position, r0 would meet r7
    tests = comparisons.pairwise_mcnemar(results).set_index(["model A", "model B"])
    row = tests.loc[("bow_random_forest", "zero_shot")]
    assert (row["only A right"], row["only B right"]) == (2, 2) and row["p value"] == 1.0
    row = tests.loc[("bow_random_forest", "fine_tuned")]
    # b=0, c=2: exact two-sided p = 2 · P(X ≤ 0 | n=2, ½) = 2 · ¼ = 0.5
    assert (row["only A right"], row["only B right"]) == (0, 2) and row["p value"] == pytest.approx(0.5)


def test_accuracy_by_bucket(results_dir):
    results = results_files.load_results("t", folder=results_dir)
    paired = results_files.paired_predictions(results)
    buckets = pd.Series(["short"] * 4 + ["long"] * 4, index=[f"r{i}" for i in range(8)])
    table = evaluation.accuracy_by_bucket(paired, buckets, ["zero_shot"]).set_index("bucket")
    assert table.loc["short", "accuracy"] == 0.5 and table.loc["long", "accuracy"] == 1.0


def test_readme_block_is_generated_from_the_results(results_dir, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{RESULTS[0]}\nold table\n{RESULTS[1]}\noutro\n")
    assert update_readme("t", readme, folder=results_dir)
    text = readme.read_text()
    assert "old table" not in text and text.startswith("intro") and text.endswith("outro\n")
    assert "| stand-in fine-tuned | stand-in, fine-tuned | 1.000" in text
    assert "| BoW forest | scikit-learn | 0.750" in text  # short labels, as in the notebooks
    assert "| stand-in fine-tuned | BoW forest | 2 | 0 | 0.50 | 1.00 |" in text  # A: the more accurate; Holm


def test_readme_findings_are_generated_between_their_markers(results_dir, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        f"{RESULTS[0]}\nx\n{RESULTS[1]}\n## What the series finds\n{FINDINGS[0]}\nSTALE\n{FINDINGS[1]}\n"
    )
    assert update_readme("t", readme, folder=results_dir)
    block = readme.read_text().split(FINDINGS[0])[1].split(FINDINGS[1])[0]
    assert "STALE" not in block and "Holm-adjusted over all of them" in block


def test_one_writer_writes_every_kind_of_section_and_names_a_missing_one(tmp_path):
    page, speed = tmp_path / "README.md", markers("speed:toy")
    before = f"intro\n{RESULTS[0]}\nold\n{RESULTS[1]}\nmiddle\n{speed[0]}\nold\n{speed[1]}\noutro\n"
    page.write_text(before)
    update_sections(page, {"results": "| new results |", "speed:toy": "| new speed |"})
    assert page.read_text() == before.replace("old", "| new results |", 1).replace("old", "| new speed |")
    written = page.read_text()
    with pytest.raises(SectionMissing, match="no <!-- findings:start --> … <!-- findings:end --> block"):
        update_sections(page, {"results": "lost", "findings": "x"})
    assert page.read_text() == written  # nothing half-written


def test_the_readme_update_writes_the_results_and_the_speed_tables_alike(results_dir, tmp_path):
    """``python -m helpers.report``'s update: the results table from results/, the speed table from the committed
    benchmark JSON (read, never written), each between its markers."""
    page, speed = tmp_path / "README.md", markers("speed:quick-standin")
    page.write_text(f"{RESULTS[0]}\nold\n{RESULTS[1]}\n## Speed\n{speed[0]}\nold\n{speed[1]}\n")
    assert update_readme("t", page, folder=results_dir)
    text = page.read_text()
    assert "| BoW forest | scikit-learn | 0.750" in text.split(RESULTS[1])[0]
    assert text.split(speed[0])[1].split(speed[1])[0] == f"\n{render('quick-standin')}\n"


def test_readme_without_markers_is_left_alone(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no markers")
    assert not update_readme("t", readme) and readme.read_text() == "no markers"


def test_no_results_is_a_clear_error(tmp_path):
    with pytest.raises(results_files.ResultsError, match="run notebooks 02–05"):
        results_files.load_results("t", folder=tmp_path)
    assert results_files.load_results("t", folder=tmp_path, required=False) == {}


def test_the_run_table_reads_the_runners_record_and_compares_with_the_previous_reference(tmp_path):
    import json

    ledger_dir = tmp_path / "ledger"
    ledger_dir.mkdir()
    (ledger_dir / "work.json").write_text(
        json.dumps(
            {
                "notebooks": {
                    "03_x": {"trained": 0, "read": 500_000, "seconds": 90.0, "machine": "2-core X (AMX)"},
                    "04_y": {"trained": 1_000_000, "read": 500_000, "seconds": 1800.0},
                }
            }
        )
    )
    text = run_markdown("seed", folder=tmp_path)
    assert "| 03_x | 2-core X (AMX) | 1.5 | 0 | 0.50M | 0.50M |" in text
    assert "| 04_y | not recorded | 30.0 | 1.00M | 0.50M | 3.50M |" in text
    assert "Together: 4.00M, 32 minutes." in text and "previous" not in text
    previous = {
        "notebooks": {"03_x": {"trained": 0, "read": 1_000_000}, "04_y": {"trained": 0, "read": 1_000_000}}
    }
    (ledger_dir / "previous_reference.json").write_text(json.dumps(previous))
    assert "Notebooks 03, 04: 4.00M, 2.00× the previous reference's 2.00M" in run_markdown("seed", tmp_path)


def test_no_run_recorded_says_so(tmp_path):
    assert run_markdown("seed", folder=tmp_path).startswith("_No run recorded")
