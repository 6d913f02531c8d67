"""The run against the committed reference: identical predictions say so, a few changes are numerics, many
changes (or an accuracy outside the reference's CI) are flagged, and a profile without a reference says nothing."""

from __future__ import annotations

import pytest
from support.builders import write_toy_results

from helpers.runner.reference_check import NUMERICS_MIN_CHANGES, Comparison, reference_lines

N = 1000
LABELS = [i % 2 for i in range(N)]
REFERENCE_PRED = [y if i % 10 else 1 - y for i, y in enumerate(LABELS)]  # 90% accurate


def write(folder, pred, model_key="zero_shot", **precision):
    return write_toy_results(
        folder,
        model_key=model_key,
        profile="seed",
        review_ids=[f"r{i}" for i in range(N)],
        y_true=LABELS,
        y_pred=pred,
        p_pos=[float(p) for p in pred],
        extra=precision or None,
    )


def flipped(pred, positions):
    return [1 - p if i in positions else p for i, p in enumerate(pred)]


@pytest.fixture
def folders(tmp_path):
    reference, run = tmp_path / "results" / "seed", tmp_path / "runs" / "seed" / "results" / "seed"
    write(reference, REFERENCE_PRED)
    write(reference, REFERENCE_PRED, model_key="nbsvm")  # a model this run did not make: not listed
    return reference, run


def model_line(lines):
    assert lines[0].startswith("against the committed reference (results/seed/)")
    (line,) = lines[2:]
    return line


def test_identical_predictions_are_said_and_not_flagged(folders):
    reference, run = folders
    write(run, REFERENCE_PRED)
    line = model_line(reference_lines("seed", run, reference))
    assert "0.900  0.900" in line and "100.0%" in line and "(0 of 1,000 changed)" in line
    assert line.endswith("identical")


def test_a_review_changed_is_numerics(folders):
    reference, run = folders
    write(run, flipped(REFERENCE_PRED, {3}))
    line = model_line(reference_lines("seed", run, reference))
    assert "0.900  0.899" in line and "99.9%" in line and "(1 of 1,000 changed)" in line
    assert "numerics (" in line and "⚠" not in line


def test_many_changes_are_flagged_even_at_the_same_accuracy(folders):
    reference, run = folders
    right_to_wrong = set(range(1, 61)) - set(range(0, 61, 10))  # 54 correct ones turned wrong
    wrong_to_right = set(range(0, 540, 10))  # and 54 wrong ones turned right
    write(run, flipped(REFERENCE_PRED, right_to_wrong | wrong_to_right))
    line = model_line(reference_lines("seed", run, reference))
    assert "0.900  0.900" in line and "(108 of 1,000 changed)" in line
    assert "⚠ beyond numerics: 108 predictions changed (numerics explain 5)" in line


def test_a_flag_names_a_change_of_precision_and_only_a_flag_does(folders):
    reference, run = folders
    write(reference, REFERENCE_PRED, model_key="fine_tuned", train_precision="bf16", eval_precision="bf16")
    write(run, flipped(REFERENCE_PRED, set(range(1, 40))), model_key="fine_tuned", train_precision="fp32")
    write(run, flipped(REFERENCE_PRED, {3}), train_precision="fp32")  # zero_shot: 1 change, not flagged
    lines = reference_lines("seed", run, reference)
    (fine_tuned,) = [line for line in lines if "fine_tuned" in line or "fine-tuned" in line]
    (zero_shot,) = [line for line in lines[2:] if line not in (fine_tuned,)]
    assert "⚠ beyond numerics" in fine_tuned
    assert "the reference ran in bf16, this run in fp32: a model trained in another precision" in fine_tuned
    assert "numerics (" in zero_shot and "ran in" not in zero_shot


def test_an_accuracy_outside_the_references_ci_is_flagged():
    inside = Comparison("m", 0.90, 0.899, (0.88, 0.92), compared=1000, changed=1)
    outside = Comparison("m", 0.90, 0.87, (0.88, 0.92), compared=1000, changed=NUMERICS_MIN_CHANGES)
    assert not inside.reasons
    assert outside.reasons == ["accuracy outside the reference's 95% CI 0.880–0.920"]


def test_a_profile_without_a_committed_reference_says_nothing(tmp_path):
    run = tmp_path / "runs" / "smoke" / "results" / "smoke"
    write(run, REFERENCE_PRED)
    assert reference_lines("smoke", run, tmp_path / "results" / "smoke") == []
    assert reference_lines("smoke", run, run) == []  # --refresh: the run wrote the reference itself


def test_the_runner_ends_with_the_comparison_for_a_profile_with_a_reference(
    tmp_path, monkeypatch, capsys, restored_environment
):
    """The whole of ``main`` with papermill replaced: the fake notebook writes one model of the reference."""
    import nbformat

    from helpers.runner import command, notebooks

    folder, out, repo = tmp_path / "notebooks", tmp_path / "run", tmp_path / "repo"
    folder.mkdir()
    nbformat.write(
        nbformat.v4.new_notebook(metadata={"kernelspec": notebooks.KERNEL_SPEC}),
        folder / "01_fake.ipynb",
    )
    write(repo / "results" / "seed", REFERENCE_PRED)

    def fake_execute(notebook, output, parameters):
        write(out / "results" / "seed", flipped(REFERENCE_PRED, {3}))
        output.write_text(notebook.read_text())

    monkeypatch.delenv("IMDB_SERIES_OUTPUT", raising=False)
    monkeypatch.setattr(command, "REPO_ROOT", repo)
    monkeypatch.setattr(command, "execute", fake_execute)
    monkeypatch.setattr(command, "check_kernel", lambda: None)
    monkeypatch.setattr(command, "standin_reason", lambda *args: None)
    argv = ["--profile", "seed", "--no-estimate", "--notebooks-dir", str(folder), "--output-dir", str(out)]
    assert command.main(argv) == 0
    printed = capsys.readouterr().out
    table, against = printed.index("results (seed, "), printed.index("against the committed reference")
    assert table < against < printed.index("outputs:")
    assert "(1 of 1,000 changed)  numerics" in printed[against:]
