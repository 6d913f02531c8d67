"""Retraining the best: the best configuration trained once on the search's training reviews (or the best trial's
own saved run), loaded, then the test reviews predicted once and written as model ``tuned``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from helpers import inference, modeling
from helpers.search.results import SearchResult
from helpers.search.settings import RetrainSettings, search_dir
from helpers.search.study import log
from helpers.search.trial import TrialSettings, fit, trial_dir
from helpers.specs import Reading, TrainingRun
from helpers.training import FIT_FILE, FinetuneError


@dataclass
class TunedModel:
    """The best configuration retrained once and tested once."""

    fit: Any  # helpers.training.FitResult
    record: dict[str, Any]  # the results file written (model_key ``tuned``)
    predictions: Any  # helpers.inference.Predictions, in test order
    model_source: Any  # helpers.modeling.ModelSource of the retrained checkpoint
    params: dict[str, Any]
    test_reading: Reading
    reused: bool = False  # True: the best trial's own saved run, not trained again


def retrain_best(
    result: SearchResult, model, tokenizer, train, validation, test, test_reading: Reading, **options: Any
) -> TunedModel:
    """The best configuration trained once on ``train`` (its checkpoint selected on ``validation``), then the ``test``
    reviews predicted once, read as ``test_reading`` says, and written under the results contract as ``model_key``.
    ``options``: the fields of :class:`RetrainSettings` by name (``profile`` required).

    Training runs in the test reading's precision on its device, with the search's seed; validation is read as
    ``validation_reading`` says (default: the test reading). ``reuse``: the best trial's finished model, when its
    folder still holds it, is the run (checked by ``finetune``, not trained again); else it is trained into
    ``<search root>/best/<study>``."""
    how = RetrainSettings(**options)
    root = result.root or search_dir(how.profile)
    reading = how.validation_reading or test_reading
    run = TrainingRun(
        seed=result.settings.get("seed", 42),
        precision=test_reading.precision,
        device=test_reading.device,
        validation=reading.with_(precision=test_reading.precision, device=test_reading.device),
    )
    settings = TrialSettings(
        model=model,
        tokenizer=tokenizer,
        train=train,
        validation=validation,
        trials_root=root / "trials" / result.study_name,
        run=run,
        evals_per_epoch=result.settings.get("evals_per_epoch", 2),
        base_source=how.base_source,
        data_source=how.data_source,
        progress=how.progress,
    )
    out = Path(how.output_dir) if how.output_dir is not None else root / "best" / result.study_name
    fitted, reused = train_best(result, settings, out, reuse=how.reuse and how.output_dir is None)
    tuned, tuned_tokenizer, tuned_source = modeling.load_classifier("path", fitted.model_path)
    pred = inference.predict(
        tuned, tuned_tokenizer, list(test["text"]), test_reading, progress=how.progress, desc="tuned: test"
    )
    record = write_tuned(result, settings, how, fitted, pred, test, tuned_source, reused)
    params = dict(result.best_params)
    return TunedModel(fitted, record, pred, tuned_source, params, test_reading, reused)


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
    how: RetrainSettings,
    fitted,
    pred,
    test,
    tuned_source,
    reused: bool = False,
) -> dict[str, Any]:
    """Write the tuned model's test predictions under the results contract (with the search's summary)."""
    params = dict(result.best_params)
    by = "Optuna" if result.backend == "optuna" else "Ray Tune with Optuna"
    base_name = settings.base_source.name if settings.base_source else "model"
    return inference.write_run(
        pred,
        test,
        profile=how.profile,
        model_key=how.model_key,
        model=f"{base_name} fine-tuned on IMDB, tuned by {by}",
        data_source=settings.data_source,
        model_source=tuned_source,
        train_seconds=fitted.seconds,
        extra={
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
            "validation_max_length": settings.run.validation_reading().max_length,
        },
    )


def reference_accuracy(record: dict[str, Any], validation, reading: Reading) -> float | None:
    """Validation accuracy of the model a results ``record`` names (its local checkpoint, e.g. notebook 04's),
    read as the search reads (``reading``): the reference a search's best is compared with. ``None`` when the
    record names no local checkpoint or it is not on this machine (a fresh clone that read the committed results)."""
    from helpers.paths import REPO_ROOT

    location = (record.get("model_source") or {}).get("location")
    folder = REPO_ROOT / location if location else None
    if folder is None or not (folder / "config.json").is_file():
        return None
    model, tokenizer, _ = modeling.load_classifier("path", folder)
    return inference.accuracy(model, tokenizer, validation, reading, desc="reference: validation")
