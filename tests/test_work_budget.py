"""A run's work against the previous reference's: the verdict flips with the numbers, and the previous
reference's estimate adds up from the items it lists."""

import json

import pytest

from helpers import ledger, paths
from helpers.present import budget_sentence

PREVIOUS = {
    "n_train_finetune": 5000,
    "search_trials": 6,
    "notebooks": {
        "03_pretrained_evaluation": {"trained": 0, "read": 300_000},
        "04_fine_tuning": {"trained": 1_500_000, "read": 2_000_000},
        "05_hyperparameter_search": {"trained": 2_000_000, "read": 3_000_000},
    },
}  # 0.3M + 6.5M + 9.0M = 15.8M


def rows(scale_04: float) -> dict:
    return {
        "03_pretrained_evaluation": {"trained": 0, "read": 300_000},
        "04_fine_tuning": {"trained": int(1_500_000 * scale_04), "read": 2_000_000},
        "05_hyperparameter_search": {"trained": 2_000_000, "read": 3_000_000},
    }


def test_a_run_within_the_previous_work_says_so():
    text = budget_sentence(rows(0.5), PREVIOUS, n_train=10_000, n_trials=22)
    assert text.startswith("That is 0.86× the previous seed reference's 15.80M")  # (15.8 - 2.25) / 15.8
    assert (
        "(per notebook, now/then: 03 0.30M/0.30M, 04 4.25M/6.50M, 05 9.00M/9.00M)" in text
        and text.endswith("within its budget.")
    )
    assert "over" not in text


def test_a_run_over_the_previous_work_says_by_how_much_where_and_for_what():
    text = budget_sentence(rows(2.0), PREVIOUS, n_train=10_000, n_trials=22)
    assert text.startswith("That is 1.28× the previous seed reference's 15.80M")  # (15.8 + 4.5) / 15.8
    assert "**over the budget by 4.50M** (04 +4.50M)" in text  # only the notebook that grew
    assert text.endswith(
        "for 10,000 fine-tuning reviews instead of 5,000 and a search of 22 trials instead of 6."
    )
    assert "within" not in text


def test_notebooks_the_previous_reference_did_not_have_are_left_out_of_both_sides():
    extra = {**rows(1.0), "07_new": {"trained": 9_000_000, "read": 0}}
    assert budget_sentence(extra, PREVIOUS).startswith("That is 1.00×")


def test_the_committed_previous_estimate_adds_up_from_its_items():
    previous = ledger.previous(paths.REPO_ROOT / "results" / "seed" / "ledger")
    assert previous is not None
    mean = previous["mean_tokens"]
    for name, notebook in previous["notebooks"].items():
        for kind in ("trained", "read"):
            items = [i for i in notebook["items"] if i["kind"] == kind]
            tokens = sum(
                i.get("tokens") or i["reviews"] * mean[i["mean_tokens"]] * i["passes"] for i in items
            )
            assert notebook[kind] == pytest.approx(tokens, abs=1), (name, kind)
    total = sum(ledger.work(n["trained"], n["read"]) for n in previous["notebooks"].values())
    assert previous["work"] == pytest.approx(total, abs=3)
    assert json.loads(json.dumps(previous)) == previous


def test_a_profile_without_a_previous_reference_has_none(tmp_path):
    assert ledger.previous(tmp_path) is None
