"""Retraining the best: the best configuration trained once on the search's training reviews (or the best trial's
own saved run), loaded, then the test reviews predicted once and written as model ``tuned``."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from helpers import inference, modeling
from helpers.search.results import SearchResult
from helpers.search.study import log, search_dir
from helpers.search.trial import TrialSettings, fit, trial_dir
from helpers.training import FIT_FILE, FinetuneError


@dataclass
class TunedModel:
    """The best configuration retrained once and tested once."""

    fit: Any  # helpers.training.FitResult
    record: dict[str, Any]  # the results file written (model_key ``tuned``)
    predictions: Any  # helpers.inference.Predictions, in test order
    model_source: Any  # helpers.modeling.ModelSource of the retrained checkpoint
    params: dict[str, Any]
    test_max_length: int
    reused: bool = False  # True: the best trial's own saved run, not trained again


def retrain_best(
    result: SearchResult,
    model,
    tokenizer,
    train,
    validation,
    test,
    *,
    profile: str,
    base_source,
    data_source,
    test_max_length: int | None = None,
    validation_max_length: int | None = None,
    eval_batch_size: int | str = "auto",
    seed: int = 42,
    output_dir: str | os.PathLike | None = None,
    model_key: str = "tuned",
    reuse: bool = True,
    progress: bool = True,
    precision: str | None = None,
    eval_truncation: str | None = None,
) -> TunedModel:
    """The best configuration trained once on the same ``train`` (its checkpoint selected on the same
    ``validation``), then the ``test`` reviews predicted once and written under the results contract as
    ``model_key``.

    ``reuse``: when the best trial's folder still holds its finished model (the same configuration, reviews and
    seed), that model is the run: it is checked by ``finetune`` and not trained again. Otherwise (``reuse=False``,
    a deleted folder, Ray trials on other nodes) it is trained into ``<search root>/best/<study>``, cached there.
    Reads the validation reviews at ``validation_max_length`` (default: ``test_max_length``; notebook 05 passes
    notebook 04's reading so the two validation scores compare) and ``test_max_length`` tokens per test review (default: the tuned ``max_length``) with ``eval_truncation``
    (default: the tuned truncation), training and predicting in ``precision`` (default: what the search asked for,
    ``auto`` when it did not say). For a comparison with notebook 04, pass its ``train``, ``validation`` and
    ``test``, its ``precision``, ``truncation`` and ``max_length``: the record says at top level ``n_train``,
    ``train_max_length``, ``train_precision`` and ``eval_precision``.
    """
    root = result.root or search_dir(profile)
    settings = TrialSettings(
        model=model,
        tokenizer=tokenizer,
        train=train,
        validation=validation,
        trials_root=root / "trials" / result.study_name,
        evals_per_epoch=result.settings.get("evals_per_epoch", 2),
        eval_batch_size=eval_batch_size,
        seed=result.settings.get("seed", seed),
        base_source=base_source,
        data_source=data_source,
        progress=progress,
        precision=precision or (result.settings.get("precision_choice") or {}).get("requested", "auto"),
        eval_max_length=validation_max_length or test_max_length,
        eval_truncation=eval_truncation,
    )
    out = Path(output_dir) if output_dir is not None else root / "best" / result.study_name
    fitted, reused = train_best(result, settings, out, reuse=reuse and output_dir is None)
    tuned, tuned_tokenizer, tuned_source = modeling.load_classifier("path", fitted.model_path)
    params = dict(result.best_params)
    max_length = test_max_length or params["max_length"]
    pred = inference.predict(
        tuned,
        tuned_tokenizer,
        list(test["text"]),
        truncation=eval_truncation or params["truncation"],
        max_length=max_length,
        batch_size=eval_batch_size,
        precision=settings.precision,
        progress=progress,
        desc="tuned: test",
    )
    record = write_tuned(
        result,
        settings,
        fitted,
        pred,
        test,
        tuned_source,
        profile=profile,
        max_length=max_length,
        model_key=model_key,
        reused=reused,
    )
    return TunedModel(
        fit=fitted,
        record=record,
        predictions=pred,
        model_source=tuned_source,
        params=params,
        test_max_length=max_length,
        reused=reused,
    )


def train_best(result: SearchResult, settings: TrialSettings, output_dir: Path, *, reuse: bool = True):
    """``(FitResult, reused)``: the best trial's saved run when ``reuse`` and its folder holds a finished model,
    else the best configuration trained into ``output_dir`` (cached there) with one validation reading, at the end."""
    params = dict(result.best_params)
    trial_out = trial_dir(settings.trials_root, params)
    if reuse and (trial_out / "model" / FIT_FILE).is_file():
        try:
            return fit(settings, params, trial_out, progress=settings.progress), True
        except FinetuneError as error:  # saved by another version of finetune: train it again instead
            data = {k: v for k, v in error.changed.items() if k in ("n_train", "n_validation")}
            changed = ", ".join(f"{k} {a} → {b}" for k, (a, b) in (data or error.changed).items()) or str(
                error
            )
            log(
                settings.progress,
                f"The best trial's saved run differs from this run ({changed}): training the best configuration"
                f" again on these {len(settings.train):,} reviews.",
            )
    # one validation reading, at the end: nothing is selected from a retrain's curve, and each reading of
    # notebook 04's validation reviews costs about a tenth of a pass over its training reviews
    once = replace(settings, evals_per_epoch=1)
    return fit(once, params, output_dir, progress=settings.progress), False


def write_tuned(
    result: SearchResult,
    settings: TrialSettings,
    fitted,
    pred,
    test,
    tuned_source,
    *,
    profile: str,
    max_length: int,
    model_key: str = "tuned",
    reused: bool = False,
) -> dict[str, Any]:
    """Write the tuned model's test predictions under the results contract (with the search's summary)."""
    params = dict(result.best_params)
    by = "Optuna" if result.backend == "optuna" else "Ray Tune with Optuna"
    base_name = settings.base_source.name if settings.base_source else "model"
    return inference.write_run(
        pred,
        test,
        profile=profile,
        model_key=model_key,
        model=f"{base_name} fine-tuned on IMDB, tuned by {by}",
        data_source=settings.data_source,
        model_source=tuned_source,
        train_seconds=fitted.seconds,
        extra={
            "truncation": settings.eval_truncation or params["truncation"],
            "max_length": max_length,
            "train_max_length": params["max_length"],
            "train_truncation": params["truncation"],
            **fitted.budget(),
            "text": "cleaned (data.clean_text)",
            "base_model_source": settings.base_source.as_dict() if settings.base_source else {},
            "tuned_params": params,
            "val_accuracy": fitted.best_val_accuracy,
            "trained_by": "the best trial (its saved run)" if reused else "retrain_best",
            "search": result.summary(),
            "n_train": len(settings.train),
            "n_validation": len(settings.validation),
            "val_max_length": settings.eval_max_length or params["max_length"],
        },
    )


def reference_accuracy(
    record: dict[str, Any],
    validation,
    *,
    max_length: int,
    truncation: str,
    precision: str = "auto",
    batch_size: int | str = "auto",
) -> float | None:
    """Validation accuracy of the model a results ``record`` names (its local checkpoint, e.g. notebook 04's),
    read as the search reads: the reference a search's best is compared with. ``None`` when the record names no
    local checkpoint or it is not on this machine (a fresh clone that read the committed results)."""
    from helpers.paths import REPO_ROOT

    location = (record.get("model_source") or {}).get("location")
    folder = REPO_ROOT / location if location else None
    if folder is None or not (folder / "config.json").is_file():
        return None
    model, tokenizer, _ = modeling.load_classifier("path", folder)
    pred = inference.predict(
        model,
        tokenizer,
        list(validation["text"]),
        truncation=truncation,
        max_length=max_length,
        batch_size=batch_size,
        precision=precision,
        progress=False,
        desc="reference: validation",
    )
    return float((pred.labels == np.asarray(validation["label"])).mean())
