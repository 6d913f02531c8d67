"""helpers.training: a run checkpoints, resumes after an interruption, saves a model card, refuses mixed runs,
and goes under its profile's folder when given no output_dir."""

from __future__ import annotations

import json

import pytest
import torch
from support.builders import opinion_reviews, toy_reviews
from transformers import TrainerCallback

from helpers import training_folder
from helpers.inference import predict
from helpers.modeling import load_classifier, read_source_file
from helpers.precision import choose_precision
from helpers.specs import Reading, TrainingRun
from helpers.training import FinetuneError, finetune, kept_validation_predictions, validation_readings
from helpers.training_folder import finetuned_dir, run_name


class StopAfter(TrainerCallback):
    """Simulates an interruption (a crash, a killed kernel) after a given step."""

    def __init__(self, step: int):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise RuntimeError(f"simulated interruption after step {self.step}")


RUN = TrainingRun(learning_rate=1e-3, epochs=1, batch_size=4, max_length=32, eval_steps=2, seed=0)


def test_resume_after_an_interruption(tiny, tmp_path):
    model, tokenizer, source = tiny
    train, val = toy_reviews(16), toy_reviews(8, offset=100)  # 16 / 4 = 4 steps, a checkpoint every 2
    with pytest.raises(FinetuneError, match=r"step 3/4.*checkpoint-2.*resume"):
        finetune(
            model,
            tokenizer,
            train,
            val,
            RUN,
            output_dir=tmp_path,
            callbacks=[StopAfter(3)],
            base_source=source,
            progress=False,
        )
    assert (tmp_path / "checkpoints" / "checkpoint-2").is_dir()
    assert not (tmp_path / "model").exists()

    fit = finetune(model, tokenizer, train, val, RUN, output_dir=tmp_path, base_source=source, progress=False)
    assert fit.resumed_from == "checkpoint-2"
    assert list(fit.evaluations["step"]) == [2, 4]  # the evaluation before the interruption is kept
    assert fit.history["train_loss"].notna().any()
    assert 0 <= fit.best_val_accuracy <= 1 and fit.best_step in (2, 4)
    card = (fit.model_path / "README.md").read_text()
    assert "tiny DistilBERT trained for seconds" in card and "learning rate 1e-03" in card
    assert read_source_file(fit.model_path)["kind"] == "finetuned"
    reloaded, _, reloaded_source = load_classifier("path", fit.model_path)
    assert "fine-tuned on IMDB" in reloaded_source.name

    again = finetune(
        model, tokenizer, train, val, RUN, output_dir=tmp_path, base_source=source, progress=False
    )
    assert again.cached and again.best_val_accuracy == fit.best_val_accuracy  # a finished run is not repeated
    record = json.loads((fit.model_path / "fit_result.json").read_text())
    assert list(record) == [  # the fit record's keys, in the order every run so far wrote them
        "best_val_accuracy",
        "best_step",
        "seconds",
        "learning_rate",
        "resumed_from",
        "params",
        "device",
        "precision_choice",
        "time_split",
        "created",
    ]
    read_back = ("best_step", "seconds", "learning_rate", "device", "precision_choice", "time_split")
    assert [getattr(again, k) for k in read_back] == [getattr(fit, k) for k in read_back]
    assert again.resumed_from is None and again.params == fit.params


def test_different_settings_in_the_same_folder_are_refused(tiny, tmp_path):
    model, tokenizer, _ = tiny
    train, val = toy_reviews(8), toy_reviews(4, offset=100)
    finetune(model, tokenizer, train, val, RUN, output_dir=tmp_path, progress=False)
    with pytest.raises(FinetuneError, match="different settings.*learning_rate") as error:
        finetune(
            model, tokenizer, train, val, RUN.with_(learning_rate=5e-4), output_dir=tmp_path, progress=False
        )
    assert error.value.changed == {"learning_rate": (RUN.learning_rate, 5e-4)}


def test_the_callers_model_is_not_changed_and_the_budget_is_recorded(tiny, tmp_path):
    model, tokenizer, _ = tiny
    before = {k: v.clone() for k, v in model.state_dict().items()}
    dropout = model.config.attention_dropout
    fit = finetune(
        model, tokenizer, toy_reviews(8), toy_reviews(4, offset=100), RUN, output_dir=tmp_path, progress=False
    )
    assert all((before[k] == v).all() for k, v in model.state_dict().items())
    assert model.config.attention_dropout == dropout  # the default recipe changed the copy only
    chosen = choose_precision("auto", "cpu")  # what this machine's hardware picks, recorded with its reason
    budget = fit.budget()
    assert {k: v for k, v in budget.items() if k not in ("train_time_split", "train_eval_share")} == {
        "n_train": 8,
        "train_max_length": 32,
        "train_precision": chosen.precision,
        "train_device": "cpu",
        "train_precision_choice": chosen.as_dict(),
    }
    assert budget["train_eval_share"] == budget["train_time_split"]["eval_share"]
    saved = json.loads((fit.model_path / "config.json").read_text())
    assert saved["attention_dropout"] == 0.0  # the fused attention kernel while training (helpers.bench)
    assert saved["dropout"] == saved["seq_classif_dropout"] == 0.0  # and no other dropout masks (the recipe)
    assert fit.params["hidden_dropout"] == 0.0


def test_a_run_stopped_before_its_first_checkpoint_can_be_restarted_with_new_settings(tiny, tmp_path):
    model, tokenizer, _ = tiny
    train, val = toy_reviews(16), toy_reviews(4, offset=100)
    with pytest.raises(FinetuneError, match="no checkpoint was saved yet"):
        finetune(
            model, tokenizer, train, val, RUN, output_dir=tmp_path, callbacks=[StopAfter(1)], progress=False
        )
    fit = finetune(
        model, tokenizer, train, val, RUN.with_(learning_rate=5e-4), output_dir=tmp_path, progress=False
    )
    assert fit.resumed_from is None and fit.params["learning_rate"] == 5e-4


@pytest.mark.parametrize("precision", ["bf16", "fp32"])
def test_explicit_precision_fine_tuning_runs_on_a_cpu(tiny, tmp_path, precision):
    """bf16 autocast on a CPU (what auto picks with AMX / AVX-512 BF16) must train, not just on a GPU; an explicit
    precision wins over the hardware's choice and is recorded."""
    model, tokenizer, _ = tiny
    data = toy_reviews(8)
    # the dtype of the classifier's output in each training forward pass: autocast ran or not
    trained_in = set()
    hook = model.pre_classifier.register_forward_hook(
        lambda module, inputs, output: trained_in.add(output.dtype) if module.training else None
    )
    try:
        fit = finetune(
            model,
            tokenizer,
            data,
            data,
            TrainingRun(learning_rate=1e-4, batch_size=4, max_length=16, precision=precision),
            output_dir=tmp_path / "run",
            progress=False,
        )
    finally:
        hook.remove()
    assert trained_in == {torch.bfloat16 if precision == "bf16" else torch.float32}
    assert fit.params["precision"] == fit.train_precision == precision
    assert fit.precision_choice["requested"] == precision
    assert (tmp_path / "run" / "model" / "config.json").is_file()


def test_fine_tuning_learns_what_the_reviews_say(tiny, tmp_path):
    model, tokenizer, _ = tiny
    train, val = opinion_reviews(256, seed=1), opinion_reviews(64, seed=2)
    run = RUN.with_(learning_rate=3e-3, epochs=4, batch_size=32, eval_steps=8)
    fit = finetune(model, tokenizer, train, val, run, output_dir=tmp_path, progress=False)
    assert fit.best_val_accuracy >= 0.75  # the untrained model is at chance (0.5) on these reviews


class WreckAfter(TrainerCallback):
    """After the evaluation (and checkpoint) at ``step``, sets the classifier to call every review one class, so
    every later evaluation is worse: the best evaluation is not the last one."""

    def __init__(self, step: int):
        self.step = step

    def on_step_begin(self, args, state, control, model=None, **kwargs):
        if state.global_step == self.step:
            with torch.no_grad():
                model.classifier.weight.zero_()
                model.classifier.bias.copy_(torch.tensor([50.0, -50.0]))


def test_the_saved_model_is_the_best_checkpoint_not_the_last(tiny, tmp_path):
    model, tokenizer, source = tiny
    # reviews that carry their label in one sentiment word: the tiny model reads them well before it is wrecked
    train, val = opinion_reviews(16, seed=4), opinion_reviews(32, seed=5)
    run = RUN.with_(learning_rate=1e-5, precision="fp32", truncation="head_tail")
    fit = finetune(
        model,
        tokenizer,
        train,
        val,
        run,
        output_dir=tmp_path,
        callbacks=[WreckAfter(2)],
        base_source=source,
        progress=False,
    )
    evals = fit.evaluations
    assert list(evals["step"]) == [2, 4]
    last = float(evals["val_accuracy"].iloc[-1])
    assert last == 0.5  # one class for every review of a balanced validation set
    assert fit.best_step == 2 and fit.best_val_accuracy > last
    saved, saved_tokenizer, _ = load_classifier("path", fit.model_path)
    pred = predict(
        saved,
        saved_tokenizer,
        list(val["text"]),
        Reading(truncation="head_tail", max_length=run.max_length, precision="fp32"),
        progress=False,
    )
    accuracy = float((pred.labels == torch.tensor(val["label"]).numpy()).mean())
    assert accuracy == pytest.approx(fit.best_val_accuracy) and accuracy != pytest.approx(last)
    # each evaluation's per-review predictions are kept in the reviews' own order: the kept one is the saved model's
    readings = validation_readings(fit)
    assert sorted(readings) == [2, 4]
    labels, kept = readings[fit.best_step]
    assert list(labels) == list(val["label"]) and list(kept) == list(pred.labels)
    assert float((readings[4][1] == labels).mean()) == last
    labels, again = kept_validation_predictions(
        fit, val, Reading(max_length=run.max_length, precision="fp32")
    )
    assert list(again) == list(pred.labels)


def test_a_run_with_a_profile_and_no_output_dir_goes_under_the_profiles_folder(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(training_folder, "MODELS_DIR", tmp_path)
    model, tokenizer, source = tiny
    train, val = toy_reviews(8), toy_reviews(4, offset=100)
    precision = choose_precision(RUN.precision, "cpu").precision
    folder = finetuned_dir("smoke", run_name(source, len(train), RUN, precision))
    assert folder.parent == tmp_path / "finetuned" / "smoke"
    assert run_name(source, len(train), RUN.with_(learning_rate=5e-4), precision) != folder.name  # nor rates
    fit = finetune(model, tokenizer, train, val, RUN, profile="smoke", base_source=source, progress=False)
    assert fit.model_path == folder / "model" and (folder / "model" / "config.json").is_file()
    assert (folder / "checkpoints").is_dir() and not fit.cached
    again = finetune(model, tokenizer, train, val, RUN, profile="smoke", base_source=source, progress=False)
    assert again.cached and again.model_path == folder / "model"  # the same run finds its folder again


def test_a_run_with_neither_a_profile_nor_an_output_dir_is_refused(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(training_folder, "MODELS_DIR", tmp_path)
    model, tokenizer, source = tiny
    with pytest.raises(ValueError, match="output_dir or a profile"):
        finetune(model, tokenizer, toy_reviews(8), toy_reviews(4, offset=100), RUN, base_source=source)
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


def test_the_rates_table_counts_each_runs_optimizer_steps_from_its_history():
    from pathlib import Path

    import pandas as pd

    from helpers.training import FitResult, rates_table

    def fit(lr, steps, accuracy):
        history = pd.DataFrame({"step": range(1, steps + 1), "val_accuracy": [accuracy] * steps})
        return FitResult(history, accuracy, steps, 60.0, Path("m"), lr)

    table = rates_table({1e-5: fit(1e-5, 32, 0.876), 1e-4: fit(1e-4, 8, 0.87)})
    assert table["optimizer steps"].tolist() == [32, 8] and table.index.tolist() == ["1e-05", "1e-04"]
    assert table.loc["1e-05", "val accuracy"] == 0.876
