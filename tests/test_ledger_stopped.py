"""The work ledger counts a run that stopped early (a pruned search trial, an interrupted run): its steps and
evaluations were spent, so a search's work includes every trial it started."""

import pytest
from datasets import Dataset
from transformers import TrainerCallback

from helpers import environment, ledger
from helpers.specs import TrainingRun
from helpers.training import FinetuneError, finetune


def reviews(n: int, offset: int = 0) -> Dataset:
    return Dataset.from_dict(
        {
            "text": [
                f"review {i}: {'great fun' if i % 2 else 'dull mess'} " * 3 for i in range(offset, offset + n)
            ],
            "label": [i % 2 for i in range(offset, offset + n)],
            "review_id": [f"r{i}" for i in range(offset, offset + n)],
        }
    )


class StopAtFirstEvaluation(TrainerCallback):
    def on_evaluate(self, args, state, control, **kwargs):
        raise RuntimeError("pruned here")


def test_a_run_stopped_at_its_first_evaluation_records_what_it_trained_and_read(tiny, tmp_path, monkeypatch):
    path = tmp_path / "ledger.jsonl"
    monkeypatch.setenv(environment.WORK_LEDGER, str(path))
    model, tokenizer, _ = tiny
    run = TrainingRun(learning_rate=1e-3, batch_size=2, max_length=16, seed=0, precision="fp32", n_evals=2)
    train, validation = reviews(8), reviews(4, offset=50)
    finetune(model, tokenizer, train, validation, run, output_dir=tmp_path / "whole", progress=False)
    whole = ledger.totals(path)
    path.unlink()
    with pytest.raises(FinetuneError, match="pruned here"):
        finetune(
            model,
            tokenizer,
            train,
            validation,
            run,
            output_dir=tmp_path / "stopped",
            callbacks=[StopAtFirstEvaluation()],
            progress=False,
        )
    stopped = ledger.totals(path)
    # half the steps and one of the two evaluations: half of what the whole run recorded
    assert stopped["trained"] == pytest.approx(whole["trained"] / 2, rel=0.01)
    assert stopped["read"] == whole["read"] // 2
