import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers import plots


@pytest.fixture
def figures(tmp_path, monkeypatch):
    monkeypatch.setenv("IMDB_SERIES_OUTPUT", str(tmp_path))
    return tmp_path / "figures" / "smoke"


def test_publish_saves_with_caption_and_describes_the_figure(figures):
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([0, 1], [0.5, 0.9])
    ax.set(title="Accuracy by length", xlabel="length", ylabel="accuracy")
    plots.publish(fig, "smoke", "demo", "Data: toy.")
    assert (figures / "demo.png").stat().st_size > 1000
    assert "Data: toy." in [t.get_text() for t in fig.texts]
    assert plots.describe(fig) == "Accuracy by length, accuracy against length"


def test_publish_refuses_figures_too_wide_for_a_900_px_column(figures):
    fig, _ = plt.subplots(figsize=(12, 3))
    with pytest.raises(ValueError, match="at most 8.2 in"):
        plots.publish(fig, "smoke", "wide")


def test_many_models_by_bucket_become_small_multiples():
    table = pd.DataFrame(
        [
            {"bucket": b, "model": m, "n": 10, "accuracy": 0.8, "ci95 low": 0.6, "ci95 high": 0.9}
            for m in "abcde"
            for b in ("≤128", ">510")
        ]
    )
    fig = plots.accuracy_by_bucket_plot(table, xlabel="length", title="t")
    assert sum(ax.axison for ax in fig.axes) == 5 and fig.get_figwidth() <= plots.MAX_WIDTH_INCHES
    three = plots.accuracy_by_bucket_plot(table[table.model.isin(list("abc"))], xlabel="length", title="t")
    assert len(three.axes) == 1 and len(three.axes[0].lines) == 3


def test_pruning_curves_colour_only_the_best_trials():
    rows = [
        {
            "number": n,
            "state": "PRUNED" if n == 5 else "COMPLETE",
            "step": step,
            "val_accuracy": 0.5 + n / 100,
        }
        for n in range(6)
        for step in (1, 2)
    ]
    fig = plots.pruning_curves_plot(pd.DataFrame(rows), title="t")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[:3] == [
        "trial 4",
        "trial 3",
        "trial 2",
    ]  # best first; trial 5 was pruned, 0 and 1 stay plain


def test_pruning_curves_tell_complete_trials_from_pruned_ones():
    """Complete trials outside the best used to be drawn grey like the pruned ones: they get a colour of their own,
    and the legend names both kinds with the colours drawn."""
    from matplotlib.colors import to_rgb

    rows = [
        {
            "number": n,
            "state": "PRUNED" if n >= 4 else "COMPLETE",
            "step": step,
            "val_accuracy": 0.5 + n / 100,
        }
        for n in range(6)
        for step in ((1,) if n >= 4 else (1, 2))
    ]
    fig = plots.pruning_curves_plot(pd.DataFrame(rows), title="t", highlight=2)
    ax = fig.axes[0]
    legend = ax.get_legend()
    entries = {t.get_text(): h for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)}
    assert list(entries) == ["trial 3", "trial 2", "complete", "pruned"]
    colour = {name: to_rgb(entries[name].get_color()) for name in ("complete", "pruned")}
    assert colour["complete"] != colour["pruned"]
    assert len(set(colour["complete"])) > 1  # a colour, not a grey

    def drawn(y):  # the colour of the line drawn at this accuracy
        (line,) = [
            line for line in ax.lines if len(line.get_ydata()) and line.get_ydata()[0] == pytest.approx(y)
        ]
        return to_rgb(line.get_color())

    assert drawn(0.50) == drawn(0.51) == colour["complete"]  # trials 0 and 1: complete, not among the best
    assert drawn(0.54) == drawn(0.55) == colour["pruned"]
    assert drawn(0.53) not in colour.values()  # the best trial has a colour of its own
    plt.close(fig)


def test_search_history_draws_the_running_best_of_complete_trials():
    # trial 2 was pruned at a higher last value than any complete trial; failed and running trials have no value
    trials = pd.DataFrame(
        {
            "number": [4, 0, 1, 2, 3, 5, 6],
            "state": ["COMPLETE", "COMPLETE", "COMPLETE", "PRUNED", "FAIL", "COMPLETE", "RUNNING"],
            "value": [0.83, 0.80, 0.78, None, None, 0.81, None],
            "last_val_accuracy": [0.83, 0.80, 0.78, 0.95, None, 0.81, 0.99],
        }
    )
    fig = plots.search_history_plot(trials, title="t")
    (line,) = [line for line in fig.axes[0].get_lines() if line.get_label() == "best so far"]
    # by hand, complete trials in the order they ran: 0 (0.80), 1 (0.78), 4 (0.83), 5 (0.81)
    expected_x, expected_y = [0, 1, 4, 5], [0.80, 0.80, 0.83, 0.83]
    x, y = line.get_data()
    assert list(x) == expected_x
    assert list(y) == pytest.approx(expected_y)
    # the same as an independent running maximum over the complete trials
    running, best = [], float("-inf")
    for _, row in trials[trials["state"] == "COMPLETE"].sort_values("number").iterrows():
        best = max(best, row["value"])
        running.append(best)
    assert list(y) == pytest.approx(running)
    plt.close(fig)


def test_ci_errors_are_the_distances_from_the_accuracy_to_each_end_of_its_interval():
    import pandas as pd

    from helpers.plots import ci_errors

    below, above = ci_errors(pd.DataFrame({"accuracy": [0.9], "ci95 low": [0.88], "ci95 high": [0.91]}))
    assert below.iloc[0] == pytest.approx(0.02) and above.iloc[0] == pytest.approx(0.01)


def test_param_importance_plot_draws_each_parameters_share_from_a_search_of_twelve_trials(figures):
    """12 complete trials (above the 10 an importance needs): the accuracy follows the learning rate, the batch
    size is noise; each bar is its parameter's importance, the largest on top, its value printed beside it."""
    import numpy as np
    import optuna

    from helpers import search

    rng = np.random.default_rng(0)
    distributions = {
        "learning_rate": optuna.distributions.FloatDistribution(1e-5, 1e-3, log=True),
        "batch_size": optuna.distributions.CategoricalDistribution([16, 32]),
    }
    study = optuna.create_study(direction="maximize")
    for lr in np.geomspace(1e-5, 1e-3, 12):
        params = {"learning_rate": float(lr), "batch_size": int(rng.choice([16, 32]))}
        value = 0.80 + 0.03 * np.log10(lr / 1e-5) + rng.normal(0, 0.001)
        study.add_trial(optuna.trial.create_trial(params=params, distributions=distributions, value=value))
    importances, method = search.param_importances(study, seed=0)
    assert (
        method == "fANOVA"
        and importances.index[0] == "learning_rate"
        and importances.sum() == pytest.approx(1)
    )
    fig = plots.param_importance_plot(
        importances, title="Hyperparameter importance, 12 trials", method=method
    )
    ax = fig.axes[0]
    bars = {
        label.get_text(): patch.get_width()
        for label, patch in zip(ax.get_yticklabels(), ax.patches, strict=True)
    }
    assert bars == pytest.approx(importances.to_dict())
    assert [label.get_text() for label in ax.get_yticklabels()][-1] == "learning_rate"  # the largest on top
    assert sorted(t.get_text().strip() for t in ax.texts) == sorted(f"{v:.2f}" for v in importances)
    assert ax.get_xlabel() == "importance for validation accuracy (fANOVA)"
    plots.publish(fig, "smoke", "05_param_importances", "Data: fabricated trials.")
    assert (figures / "05_param_importances.png").is_file()


def test_figure_problems_pass_the_committed_figures_and_catch_blank_or_odd_ones(tmp_path):
    """The check the smoke run's figures get (tests/test_smoke_outputs.py), on the committed reference's figures
    and on broken ones."""
    from support.builders import figure_problems

    from helpers.paths import REPO_ROOT

    committed = sorted((REPO_ROOT / "figures" / "seed").glob("*.png"))
    assert committed and {p.name: figure_problems(p) for p in committed} == {p.name: [] for p in committed}
    fig, _ = plt.subplots(figsize=(6, 3))
    fig.savefig(tmp_path / "blank.png", dpi=110)  # axes, no data: a frame and little else
    fig.savefig(tmp_path / "wide.png", dpi=300)
    (tmp_path / "text.png").write_text("not an image")
    assert "no data drawn" in " ".join(figure_problems(tmp_path / "blank.png"))
    assert "1800 × 900 px" in " ".join(figure_problems(tmp_path / "wide.png"))
    assert "not an image" in " ".join(figure_problems(tmp_path / "text.png"))


# ----------------------------------------------------------------------------------------------- notebook 06, seed
def _seed_tables():
    """Notebook 06's comparison and cost tables, built from the committed seed results as the notebook builds them."""
    from helpers import comparisons, present, results_files
    from helpers.paths import REPO_ROOT

    results = results_files.load_results("seed", folder=REPO_ROOT / "results" / "seed")
    table = comparisons.comparison_table(results).sort_values("accuracy", ascending=False)
    results = {key: results[key] for key in table.index}
    labels = {key: present.short_label(record) for key, (record, _) in results.items()}
    table["model"] = table.index.map(labels)
    return table, comparisons.cost_table(results, labels)


def _boxes_cross(box, segment) -> bool:
    """Whether an axis-aligned display segment ((x0, y0), (x1, y1)) passes through the inside of a box."""
    (x0, y0), (x1, y1) = segment
    return min(x0, x1) < box.x1 and max(x0, x1) > box.x0 and min(y0, y1) < box.y1 and max(y0, y1) > box.y0


def test_cost_accuracy_labels_overlap_neither_each_other_nor_the_frontier():
    """The seed's NB-SVM and TF-IDF + LR sit 2 s and 0.001 apart: their labels used to be drawn over each other,
    and the frontier's horizontal step ran through the tuned model's label."""
    _, cost = _seed_tables()
    fig = plots.cost_accuracy_plot(cost, title="t")
    fig.tight_layout()  # as publish lays it out
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = {t.get_text(): t.get_window_extent(renderer) for t in ax.texts}
    assert set(labels) == set(cost["model"])
    names = list(labels)
    overlapping = [
        (a, b) for i, a in enumerate(names) for b in names[i + 1 :] if labels[a].overlaps(labels[b])
    ]
    assert overlapping == []
    # the frontier as ax.step(where="post") draws it, computed here by hand
    front = cost[cost["frontier"]].sort_values("seconds")
    xs, ys = list(front["seconds"]), list(front["accuracy"])
    corners = [(xs[0], ys[0])]
    for x, y_before, y in zip(xs[1:], ys[:-1], ys[1:], strict=True):
        corners += [(x, y_before), (x, y)]
    display = ax.transData.transform(corners)
    segments = list(zip(display[:-1], display[1:], strict=True))
    assert [n for n, box in labels.items() if any(_boxes_cross(box, s) for s in segments)] == []
    frame = ax.get_window_extent(renderer)
    assert all(
        frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
        for b in labels.values()
    )
    plt.close(fig)


def test_accuracy_ci_draws_the_studys_numbers_as_rows_of_their_own():
    """The study measured DistilBERT (and its own forest) on its own 1,000 reviews: its numbers get rows named
    after its models with a Wilson interval for n=1,000, and no mark sits on the row of our stand-in."""
    from helpers import catalog
    from helpers.evaluation import wilson_interval

    table, _ = _seed_tables()
    fig = plots.accuracy_ci_plot(table, title="t")
    ax = fig.axes[0]
    ticks = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)}
    study_row = ticks["study: DistilBERT SST-2 zero-shot (n=1,000)"]
    points = [xy for line in ax.lines for xy in line.get_xydata()]
    points += [xy for collection in ax.collections for xy in collection.get_offsets()]
    at = [(x, y) for x, y in points if abs(y - ticks["stand-in zero-shot"]) < 1e-9]
    assert at and all(abs(x - 0.91) > 1e-9 for x, _ in at)  # our point is there, the study's is not
    assert any(abs(x - 0.91) < 1e-9 and abs(y - study_row) < 1e-9 for x, y in points)
    # its interval: error-bar segments at the study's row span the Wilson interval for 910 of 1,000
    low, high = wilson_interval(910, catalog.STUDY_N)
    spans = [
        seg for c in ax.collections for seg in c.get_segments() if len(seg) == 2 and seg[0][1] == study_row
    ]
    assert any(sorted([seg[0][0], seg[1][0]]) == pytest.approx([low, high]) for seg in spans)
    assert {f"study: {m} (n=1,000)" for m, _ in catalog.study_models().values()} <= set(ticks)
    plt.close(fig)


def test_search_params_draws_no_panel_for_a_setting_that_took_one_value():
    """``epochs`` fixed at 1 used to get a panel of its own, every trial in one column: it gets none, and the title
    says it was held at 1."""
    trials = pd.DataFrame(
        {
            "number": range(6),
            "state": ["COMPLETE", "PRUNED", "COMPLETE", "PRUNED", "COMPLETE", "FAIL"],
            "value": [0.85, None, 0.86, None, 0.84, None],
            "last_val_accuracy": [0.85, 0.80, 0.86, 0.82, 0.84, None],
            "learning_rate": [1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 3e-4],
            "batch_size": [16, 32, 16, 32, 16, 8],  # 8 only in a failed trial, which is not drawn
            "epochs": [1, 1, 1, 1, 1, 2],
        }
    )
    fig = plots.search_params_plot(trials, ["learning_rate", "batch_size", "epochs"], title="t")
    drawn = [ax.get_xlabel() for ax in fig.axes if ax.axison]
    assert drawn == ["learning rate", "batch size"]
    assert "epochs = 1" in fig._suptitle.get_text()
    plt.close(fig)


def test_search_progress_with_the_validation_size_spans_every_trials_interval():
    """The seed's axis zoomed to 0.866-0.880, making gaps of one or two validation reviews look large: given the
    validation size, each complete trial gets its 95% Wilson interval and the axis spans all of them."""
    import numpy as np
    from matplotlib.collections import LineCollection

    from helpers.evaluation import wilson_interval

    trials = pd.DataFrame(
        {
            "state": ["COMPLETE", "PRUNED", "COMPLETE", "COMPLETE", "COMPLETE"],
            "value": [0.8733, None, 0.8667, 0.8667, 0.87],
            "finished_min": [1.0, 2.0, 5.5, 6.5, 9.9],
        }
    )
    fig = plots.search_progress_plot(trials, "t", reference=0.88, reference_label="04", n_validation=300)
    ax = fig.axes[0]
    bottom, top = ax.get_ylim()
    intervals = [wilson_interval(round(v * 300), 300) for v in trials["value"].dropna()]
    assert all(bottom <= low and high <= top for low, high in intervals)
    drawn = sorted(
        tuple(sorted((seg[0][1], seg[1][1])))
        for collection in ax.collections
        if isinstance(collection, LineCollection)
        for seg in collection.get_segments()
        if len(seg) == 2 and seg[0][0] == seg[1][0]
    )
    assert np.allclose(drawn, sorted(intervals))  # one vertical bar per complete trial, its interval
    assert "95% Wilson interval (n=300)" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)


def _feature_table(weights: str) -> pd.DataFrame:
    """A top_features-like table: three words per class, "the" and "of" among the negative side's."""
    table = pd.DataFrame(
        {
            "class": ["neg"] * 3 + ["pos"] * 3,
            "rank": [1, 2, 3] * 2,
            "feature": ["bad", "the", "of", "great", "and", "love"],
            "weight": [-0.009, -0.003, -0.0025, 0.006, 0.004, 0.001],
        }
    )
    table.attrs["weights"] = weights
    return table


def test_top_features_shows_a_forests_importance_as_one_panel_of_no_class(tmp_path):
    """A forest's impurity importance has no class: its stop words used to be drawn as evidence for negative
    reviews, beside a positive panel on another x-scale. It is one panel, titled as importance, largest first, in
    a colour that passes the smoke run's figure check (a grey panel reads as no data drawn)."""
    from support.builders import figure_problems

    fig = plots.top_features_plot(_feature_table("importance"), "forest", xlabel="feature importance")
    fig.savefig(tmp_path / "forest.png", dpi=110)
    assert figure_problems(tmp_path / "forest.png") == []
    (ax,) = [ax for ax in fig.axes if ax.axison]
    assert ax.get_title() == "importance (no class)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["bad", "great", "and"]
    assert [p.get_width() for p in ax.patches] == pytest.approx([0.009, 0.006, 0.004])
    assert "neg" not in {ax.get_title() for ax in fig.axes} | {t.get_text() for t in fig.texts}
    plt.close(fig)
    # the keyword says it where the table carries no mark
    unmarked = _feature_table("importance")
    unmarked.attrs.clear()
    assert len(plots.top_features_plot(unmarked, "forest", importance=True).axes) == 1


def test_top_features_draws_a_linear_models_two_classes_on_one_x_scale():
    fig = plots.top_features_plot(_feature_table("coefficient"), "logreg", xlabel="|coefficient|")
    left, right = fig.axes
    assert (left.get_title(), right.get_title()) == ("neg", "pos")
    assert left.get_xlim() == right.get_xlim() and left.get_shared_x_axes().joined(left, right)
    assert (
        max(p.get_width() for p in right.patches) < left.get_xlim()[1] * 0.7
    )  # pos's bars are shorter: it shows
    plt.close(fig)
