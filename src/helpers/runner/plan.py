"""What a run will cost on this machine, said before the long work starts.

The runner times a few training steps and prediction batches of the profile's model in the precision ``auto``
picks here, then multiplies by each notebook's work in tokens: **trained** (reviews × epochs × tokens per review)
and **read** (reviews predicted or evaluated × tokens per review), tokens per review from the profile's own
reviews. Notebook 05's search is time-boxed (at most its timeout plus the winner's retraining; a trial counted at
:func:`trial_share`). Notebooks 01, 02 and 06 fit no transformer. Steps are timed at full length: the estimate
leans long.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

TRANSFORMER_NOTEBOOKS = ("03", "04", "05")
LR_COMPARISON_EVALS = 3  # training.finetune's default n_evals: validation passes per fine-tuning run
TRAIN_SPLIT = 25_000
OVER_AN_HOUR = 60.0


@dataclass(frozen=True)
class Speed:
    """Tokens per second on this machine: one training step (forward, backward, AdamW) and one prediction batch."""

    train_tokens_per_s: float
    read_tokens_per_s: float
    precision: str  # what auto (or the profile) chose
    reason: str
    # auto on a CPU: bf16 against fp32 as measured (PrecisionChoice.measured)
    measured: dict[str, Any] | None = None


@dataclass
class Work:
    """A notebook's transformer work: tokens trained on, tokens read, and seconds it spends by design (a time box)."""

    trained: float = 0.0
    read: float = 0.0
    fixed_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def seconds(self, speed: Speed) -> float:
        return (
            self.trained / speed.train_tokens_per_s + self.read / speed.read_tokens_per_s + self.fixed_seconds
        )


def mean_tokens(lengths, cap: int) -> float:
    """Mean tokens a model reads per review at ``cap`` (``lengths``: word pieces without [CLS]/[SEP])."""
    return float(np.minimum(np.asarray(lengths) + 2, cap).mean())


def notebook_work(p: dict[str, Any], lengths) -> dict[str, Work]:
    """The work of notebooks 03–05 under profile parameters ``p``; ``lengths``: word pieces of sample reviews."""
    lengths = np.asarray(lengths)
    test_len = mean_tokens(lengths, p["test_max_length"])
    train_len = mean_tokens(lengths, _train_length(p))
    n_test = p.get("n_test") or 25_000
    n_val = p["n_validation"]
    n_train = p.get("n_train_finetune") or TRAIN_SPLIT - n_val
    n_lr = min(p.get("n_train_lr_comparison") or n_train, n_train)
    epochs = p.get("epochs", 1)
    long_share = float((lengths > p["test_max_length"] - 2).mean())
    test_read = n_test * test_len

    zero_shot = Work(read=test_read + long_share * n_test * p["test_max_length"])
    zero_shot.notes.append(f"{n_test:,} test reviews, the long ones read twice")
    main_run = n_train * epochs * train_len
    val_reads = LR_COMPARISON_EVALS * n_val * train_len
    lrs = len(p.get("learning_rates") or [])
    fine_tuning = Work(
        trained=lrs * n_lr * epochs * train_len + main_run, read=(lrs + 1) * val_reads + test_read
    )
    fine_tuning.notes.append(f"{lrs} learning rates on {n_lr:,} reviews, then {n_train:,}")
    search = Work(trained=main_run, read=val_reads + test_read)
    search.notes.append(f"then the winner retrained on {n_train:,}")
    return {"03": zero_shot, "04": fine_tuning, "05": search}


def search_trials(p: dict[str, Any], lengths) -> tuple[Work, float | None]:
    """One trial of notebook 05's search at its largest (every rung, the longest epochs and reading) and the time
    box in seconds (None: none)."""
    space = p.get("search_space") or {}
    epochs = max(space.get("epochs") or [p.get("epochs", 1)])
    reading = max(space.get("train_max_length") or [p["test_max_length"]])
    n_train = p.get("n_train_search") or TRAIN_SPLIT - p["n_validation_search"]
    evals = p.get("search_evals_per_epoch", 2) * epochs
    trial = Work(
        trained=n_train * epochs * mean_tokens(lengths, reading),
        read=evals
        * p["n_validation_search"]
        * mean_tokens(lengths, _train_length(p)),  # read as notebook 04 reads
    )
    timeout = p.get("search_timeout_minutes")
    return trial, None if timeout is None else 60.0 * timeout


def trial_share(p: dict[str, Any]) -> float:
    """The share of a whole trial's training (and evaluations) an average trial of the search does: below 1 with
    successive halving, which stops most trials at a rung (``search_pruner: halving``, or Ray's ASHA); 1 with the
    median pruner or none (counted whole: the estimate leans long)."""
    backend = p.get("search_backend", "optuna")
    if p.get("search_pruner", "halving") != "halving" and backend != "ray":
        return 1.0
    space = p.get("search_space") or {}
    per_epoch = p.get("search_evals_per_epoch", 2)
    evals = per_epoch * max(space.get("epochs") or [p.get("epochs", 1)])
    eta = p.get("search_reduction_factor") or (2 if backend == "ray" else 3)
    first = 1 if backend == "ray" else max(1, per_epoch // eta**2)  # as make_pruner / the ASHA scheduler
    return halving_evaluations(p.get("search_trials", 1), evals, first, eta) / evals


def halving_evaluations(n_trials: int, evals: int, first_rung: int, eta: int) -> float:
    """Evaluations an average trial reaches under successive halving with rungs at ``first_rung`` × η^r below
    ``evals`` (a trial is not pruned after its last evaluation), by Optuna's rule: a trial goes on past a rung
    when it is among the best max(1, ⌊c / η⌋) of the c trials that reached it so far, itself included. Expected
    with the trials in a random order of merit, each rung's count of earlier trials taken at its expectation:
    the first trials are promoted more easily, later ones at 1/η per rung."""
    rungs = [first_rung * eta**r for r in range(evals) if first_rung * eta**r < evals]
    if not rungs:
        return float(evals)
    ends = [*rungs[1:], evals]  # where a trial promoted past each rung stops next
    earlier = [0.0] * len(rungs)  # expected trials so far at each rung
    total = 0.0
    for _ in range(n_trials):
        reach, done = 1.0, float(rungs[0])
        for r, (rung, end) in enumerate(zip(rungs, ends, strict=True)):
            competing = 1 + round(earlier[r])
            earlier[r] += reach
            reach *= max(1, competing // eta) / competing
            done += reach * (end - rung)
        total += done
    return total / n_trials


def _train_length(p: dict[str, Any]) -> int:
    """Tokens per training review in notebook 04 (never more than the test reads)."""
    return min(p.get("train_max_length") or p["test_max_length"], p["test_max_length"])


def search_seconds(p: dict[str, Any], lengths, speed: Speed) -> float:
    """The search's cost: its trials at full length, each counted at what the pruner lets an average trial train
    (:func:`trial_share`), or its time box when that comes first."""
    trial, box = search_trials(p, lengths)
    seconds = p.get("search_trials", 1) * trial_share(p) * trial.seconds(speed)
    return seconds if box is None else min(seconds, box)


def measure_speed(
    model,
    tokenizer,
    *,
    train_batch_size: int,
    train_max_length: int,
    test_max_length: int,
    precision: str = "auto",
    eval_batch_size: int | str = "auto",
    steps: int = 2,
) -> Speed:
    """Time ``steps`` training steps at ``train_batch_size`` × ``train_max_length`` and ``steps`` prediction batches at
    ``test_max_length`` (:func:`helpers.speed.time_steps`) in this machine's precision and device, on a copy of ``model``.
    """
    from helpers.devices import choose_device
    from helpers.precision import choose_precision
    from helpers.specs import Reading
    from helpers.speed import time_steps

    device = choose_device()
    choice = choose_precision(precision, device)
    size = Reading(batch_size=eval_batch_size).batch_size_for(choice)
    speed = time_steps(
        model,
        precisions=(choice.precision,),
        train_shape=(train_batch_size, train_max_length),
        read_shape=(size, test_max_length),
        device=device,
        vocab=min(tokenizer.vocab_size, 30_000),
        steps=steps,
        prepare=_with_default_dropout,
    )[choice.precision]
    return Speed(
        train_tokens_per_s=speed.train_tokens_per_s,
        read_tokens_per_s=speed.read_tokens_per_s,
        precision=choice.precision,
        reason=choice.reason,
        measured=choice.measured,
    )


def _with_default_dropout(model) -> None:
    """The training recipe's dropout (:data:`helpers.specs.DEFAULT_DROPOUT`) on a copy the plan times."""
    from helpers.dropout import set_attention_dropout, set_hidden_dropout
    from helpers.specs import DEFAULT_DROPOUT

    set_attention_dropout(model, DEFAULT_DROPOUT["attention_dropout"])
    set_hidden_dropout(model, DEFAULT_DROPOUT["hidden_dropout"])


def plan_lines(profile: str, notebooks: list[str], work: dict[str, Work], speed: Speed | None) -> list[str]:
    """The plan as printed: one line per notebook with its estimated minutes, the total, and a pointer to the
    ``quick`` profile when the transformer notebooks would take over an hour."""
    from helpers.precision_measure import Measured

    lines = []
    if speed is not None:
        lines.append(
            f"  measured here: training {speed.train_tokens_per_s:,.0f} tokens/s, prediction "
            f"{speed.read_tokens_per_s:,.0f} tokens/s, in {speed.precision}"
        )
        lines.append(f"  precision {speed.precision}: {speed.reason}")
        if speed.measured:
            lines.append(f"  measured {speed.measured['when']}: {Measured.from_dict(speed.measured).text()}")
    total = 0.0
    for name in notebooks:
        number = name[:2]
        if number in work and speed is not None:
            minutes = work[number].seconds(speed) / 60
            total += minutes
            lines.append(f"  {name:<26} {'~' + minutes_text(minutes):>9}  ({'; '.join(work[number].notes)})")
        else:
            lines.append(f"  {name:<26} {'':>9}  (no transformer: classical models and tables)")
    if speed is not None and total:
        lines.append(f"  transformer notebooks together ~{minutes_text(total)} on this machine")
        if total > OVER_AN_HOUR and profile != "quick":
            lines.append(
                "  that is over an hour here: for a first look, `make run PROFILE=quick` runs every notebook "
                "on fewer reviews with a shorter search"
            )
    return lines


def minutes_text(minutes: float) -> str:
    """``<1 min`` or whole minutes rounded up (``3 min``)."""
    if minutes < 1:
        return "<1 min"
    return f"{math.ceil(minutes)} min"


def estimate(parameters: dict[str, Any], notebooks: list[str], sample: int = 400) -> list[str]:
    """The plan lines for ``notebooks`` under ``parameters``: loads the profile's model and ``sample`` training
    reviews (for their lengths), times the steps, and counts each notebook's work."""
    from helpers import data, modeling
    from helpers.tokens import token_lengths

    if not any(name[:2] in TRANSFORMER_NOTEBOOKS for name in notebooks):
        return plan_lines(parameters["profile"], notebooks, {}, None)
    model, tokenizer, _ = modeling.load_classifier(parameters["model"], parameters.get("model_dir"))
    imdb, _ = data.load_imdb(parameters.get("data_dir"), parameters.get("data_source", "auto"))
    train = imdb["train"].shuffle(seed=parameters.get("seed", 42)).select(range(sample))
    lengths = token_lengths(tokenizer, [data.clean_text(t) for t in train["text"]])
    train_len = _train_length(parameters)
    speed = measure_speed(
        model,
        tokenizer,
        train_batch_size=parameters["train_batch_size"],
        train_max_length=train_len,
        test_max_length=parameters["test_max_length"],
        precision=parameters.get("precision", "auto"),
        eval_batch_size=parameters.get("eval_batch_size", "auto"),
    )
    work = notebook_work(parameters, lengths)
    work["05"].fixed_seconds = search_seconds(parameters, lengths, speed)
    work["05"].notes.insert(0, _search_note(parameters))
    return plan_lines(parameters["profile"], notebooks, work, speed)


def _search_note(p: dict[str, Any]) -> str:
    """``22 trials at most, pruned: an average trial ~50% of a whole one, a 30-minute time box``."""
    share = trial_share(p)
    pruned = f", pruned: an average trial ~{share:.0%} of a whole one" if share < 1 else ""
    return f"{p.get('search_trials')} trials at most{pruned}, {_box(p)}"


def _box(p: dict[str, Any]) -> str:
    timeout = p.get("search_timeout_minutes")
    return f"a {timeout}-minute time box" if timeout is not None else "no time box"
