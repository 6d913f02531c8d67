"""Notebook 04's readings of fine-tuning: the reviews, the settings every run shares and why, which learning rate
the validation reviews chose and whether they can tell the rates apart, whether the final run had stopped
improving, and what the IMDB reviews bought over zero-shot and where. Every comparison is of readings of the same
reviews, so each gets a paired interval; whether one model is "better" is notebook 06's call."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from helpers.devices import choose_device
from helpers.paired import paired_difference
from helpers.story.phrases import pair_text, sentence_start, short_interval
from helpers.training_folder import lr_text as rate_text


def data_text(train, lr_train, validation, test, source) -> str:
    """The four sets of reviews 04 uses and where they came from."""
    return (
        f"Fine-tuning on {len(train):,} training reviews (the learning rates are compared on {len(lr_train):,} of"
        f" them); validation {len(validation):,} reviews, also from the training split; test {len(test):,}"
        f" reviews, read once at the end. **Data:** {source}."
    )


def arguments_table(run, n_train: int, test_max_length: int) -> pd.DataFrame:
    """The settings every run shares (``run``: :class:`helpers.specs.TrainingRun`), what the Trainer makes of them
    for ``n_train`` reviews on this machine, and why each is what it is."""
    choice = run.precision_choice(choose_device(run.device))
    steps = math.ceil(math.ceil(n_train / run.batch_size) * run.epochs)
    rows = [
        ("epochs", f"{run.epochs:g}", "one pass: the model starts from a sentiment model, not from scratch"),
        ("batch size", run.batch_size, f"{steps:,} optimizer steps for {n_train:,} reviews"),
        (
            "schedule",
            f"linear decay after {run.warmup_ratio:.0%} warm-up",
            f"{math.ceil(run.warmup_ratio * steps):,} warm-up steps keep the first updates from undoing the pretraining",
        ),
        ("weight decay", run.weight_decay, "a light AdamW regularisation"),
        (
            "dropout",
            {0: "off", None: "the checkpoint's"}.get(run.hidden_dropout, run.hidden_dropout),
            "one epoch from a trained sentiment model: little to overfit, and a step is faster without it"
            " (the speed benchmark's recipe check compares the two)",
        ),
        (
            "tokens per review",
            f"{run.max_length} ({run.truncation.replace('_', ' + ')})",
            f"a training step's cost grows with length; the test reads {test_max_length} tokens per review",
        ),
        ("precision", choice.precision, choice.reason),
        ("seed", run.seed, "the same order of batches for every run"),
        ("best checkpoint", "by validation accuracy", "evaluated on the validation reviews, never the test"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value", "why"]).set_index("setting")


def learning_rate_text(y_validation, predictions: Mapping[float, object], chosen: float) -> str:
    """The chosen rate (best validation accuracy) against each other rate on the same validation reviews:
    the gap in points with its paired 95% interval, and whether the reviews resolve it."""
    others = [rate for rate in predictions if rate != chosen]
    gaps = {rate: paired_difference(y_validation, predictions[chosen], predictions[rate]) for rate in others}
    first = next(iter(gaps.values()), None)
    accuracy = first.a if first else None
    parts = [f"over {rate_text(rate)} {short_interval(gap)}" for rate, gap in gaps.items()]
    head = f"On the same {len(y_validation):,} validation reviews, {rate_text(chosen)}" + (
        f" scores {accuracy:.3f}; its margin " + " · ".join(parts) + " (points, 95% paired interval)."
        if parts
        else " is the only rate tried."
    )
    if not gaps:
        return head
    unresolved = [rate_text(rate) for rate, gap in gaps.items() if not gap.excludes_zero]
    if not unresolved:
        return head + " The validation reviews resolve each gap: the choice rests on the data, not on noise."
    if len(unresolved) == len(gaps):
        return (
            head
            + " None of these gaps is resolved: the rates are indistinguishable on these reviews, and the"
            " rule's choice among them is as good as any."
        )
    return head + f" The gap to {' and '.join(unresolved)} is within the noise; the others are resolved."


def curve_text(curve: pd.DataFrame, readings: Mapping[int, tuple]) -> str:
    """Whether the final run had stopped improving: its last evaluation against the one before, on the same
    validation reviews (``readings``: step → (labels, predictions), :func:`helpers.training.validation_readings`)."""
    steps = sorted(readings)
    values = ", ".join(f"{a:.3f}" for a in curve["val accuracy"])
    head = f"Validation accuracy after each evaluation of the run: {values}."
    if len(steps) < 2:
        return head + " One reading: no curve to judge."
    (labels, before), (_, after) = readings[steps[-2]], readings[steps[-1]]
    diff = paired_difference(labels, after, before)
    change = f"The last step changes it by {short_interval(diff)} (95% paired interval, same reviews)"
    if diff.low > 0:
        return head + f" {change}: still rising, so more reviews would likely help."
    if diff.high < 0:
        return head + f" {change}: falling, and the best checkpoint, the one kept, came earlier."
    return (
        head
        + f" {change}: level within the validation reviews' noise, no sign that more reviews of this kind would help."
    )


def comparison_warnings(zero, n_test: int, base_name: str) -> str | None:
    """What would make the comparison with notebook 03's predictions unfair, or None."""
    notes = []
    if zero.n_missing:
        notes.append(f"{zero.n_missing:,} of {n_test:,} test reviews have no zero-shot prediction")
    if zero.saved_record["model"] != base_name:
        notes.append(
            f"notebook 03 scored {zero.saved_record['model']}, not the model fine-tuned here ({base_name}): the"
            " comparison mixes two starting points"
        )
    return f"**Warning:** {'; '.join(notes)}." if notes else None


def gain_text(paired: pd.DataFrame, new: str, old: str) -> str:
    """What fine-tuning bought on the test: the new model against the old on the same reviews (``paired``:
    ``label``, ``<model>:pred``), paired interval and McNemar's unadjusted p, and no verdict."""
    return pair_text(new, old, paired["label"], paired[f"{new}:pred"], paired[f"{old}:pred"]) + "."


def gain_by_group_text(paired: pd.DataFrame, groups: pd.Series, new: str, old: str, what: str) -> str:
    """Where the gain comes from: the new model against the old within each group of reviews (``groups``,
    aligned with ``paired``), each a paired interval; it names the groups where the gain is resolved."""
    parts, resolved = [], []
    for group, index in paired.groupby(groups.reindex(paired.index), observed=True).groups.items():
        part = paired.loc[index]
        if len(part) < 2:
            continue
        diff = paired_difference(part["label"], part[f"{new}:pred"], part[f"{old}:pred"])
        parts.append(f"{group} ({len(part):,}) {short_interval(diff)}")
        if diff.excludes_zero:
            resolved.append(f"{group} ({'gain' if diff.value > 0 else 'loss'})")
    head = f"{sentence_start(new)} minus {old} by {what}, in points with a 95% paired interval: "
    head += "; ".join(parts) + "."
    if not resolved:
        return (
            head + " No group's change is resolved on its own: these reviews cannot say where it comes from."
        )
    others = "" if len(resolved) == len(parts) else "; the others are within the noise"
    text = head + f" Resolved on its own (unadjusted): {', '.join(resolved)}{others}."
    if any(r.endswith("(gain)") for r in resolved) and any(r.endswith("(loss)") for r in resolved):
        text += " It is a trade between groups, not a gain in each."
    return text


def beyond_threshold_text(paired: pd.DataFrame, new: str, moved: str) -> str:
    """Fine-tuning against the zero-shot model with its threshold chosen on validation reviews (``moved``,
    notebook 03), on the same test reviews: is the gain more than where the line is drawn? A paired interval."""
    diff = paired_difference(paired["label"], paired[f"{new}:pred"], paired[f"{moved}:pred"])
    head = (
        f"Notebook 03 moved the zero-shot model's threshold, chosen on validation reviews, without training it."
        f" {pair_text(new, moved, paired['label'], paired[f'{new}:pred'], paired[f'{moved}:pred'])}."
    )
    if diff.low > 0:
        return head + " Fine-tuning buys more than a moved threshold does."
    if diff.high < 0:
        return head + " A moved threshold does better than fine-tuning on these reviews."
    return (
        head
        + " These reviews cannot tell fine-tuning's gain from what a threshold chosen on validation already"
        " buys: much of the change may be where the line is drawn, not what the model reads."
    )


def more_data_text(
    y_validation, small, large, n_small: int, n_large: int, evals: tuple[int, int] = (1, 1)
) -> str:
    """What more training reviews bought: the run on ``n_large`` reviews against the one on ``n_small``, each at its
    kept checkpoint (``small``, ``large``: predictions on the same validation reviews), a paired interval. Each kept
    checkpoint is the best of its run's ``evals`` (small, large) evaluations on these same reviews: where the larger
    run had more to choose from, the sentence says the choice, if anything, flatters it."""
    diff = paired_difference(y_validation, large, small)
    head = (
        f"On the same {diff.n:,} validation reviews, the run on {n_large:,} reviews scores {diff.a:.3f} against"
        f" {diff.b:.3f} for the run on {n_small:,} at the same rate: {short_interval(diff)} (95% paired interval)"
    )
    if evals[1] > evals[0]:
        head += (
            f"; the larger run's model is the best of its {evals[1]} evaluations on these same reviews, against"
            f" {evals[0]} for the smaller, which if anything flatters it"
        )
    more = f"{n_large:,} reviews instead of {n_small:,}"
    if diff.low > 0:
        return head + f". {more} bought a gain these validation reviews resolve."
    if diff.high < 0:
        return head + f". With {more} it scored lower, beyond these reviews' noise."
    return head + f". {more} bought no gain these validation reviews can resolve."


def class_groups(paired: pd.DataFrame) -> pd.Series:
    """Each review's true class, named, as groups for :func:`gain_by_group_text`."""
    return pd.Series(np.where(paired["label"] == 1, "positive", "negative"), index=paired.index)
