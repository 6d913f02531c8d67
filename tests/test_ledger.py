"""helpers.ledger: the work a notebook did, in tokens, and the saved runs it read back."""

import json

from helpers import environment, ledger
from helpers.runner.record import work_text


def test_nothing_is_written_without_a_ledger(tmp_path, monkeypatch):
    monkeypatch.delenv(environment.WORK_LEDGER, raising=False)
    ledger.record(trained=10, read=5)
    assert list(tmp_path.iterdir()) == []


def test_entries_add_up_and_work_weighs_a_trained_token_three_times(tmp_path, monkeypatch):
    path = tmp_path / "work" / "04.jsonl"
    monkeypatch.setenv(environment.WORK_LEDGER, str(path))
    ledger.record(trained=1000, read=200, what="a run")
    ledger.record(read=300, what="test")
    ledger.record(reused=1, what="read back")
    ledger.record()  # nothing to say: no line
    assert len(path.read_text().splitlines()) == 3
    assert ledger.totals(path) == {"trained": 1000, "read": 500, "reused": 1}
    assert ledger.work(1000, 500) == 3500
    assert ledger.totals(tmp_path / "missing.jsonl") == {"trained": 0, "read": 0, "reused": 0}
    old = tmp_path / "old.jsonl"  # a line written before reuse was counted
    old.write_text(json.dumps({"trained": 1, "read": 2, "what": ""}) + "\n")
    assert ledger.totals(old) == {"trained": 1, "read": 2, "reused": 0}


def test_the_runner_line_says_what_was_read_back():
    assert work_text(2_310_000, 41_200) == ", trained 2.31M tokens, read 41.2k"
    assert work_text(0, 0, reused=4) == ", 4 saved run(s) read back, not retrained"
    assert work_text(0, 0) == ""


def test_a_finished_fine_tuning_run_read_back_is_recorded(tiny, tmp_path, monkeypatch):
    from support.builders import toy_reviews

    from helpers.specs import TrainingRun
    from helpers.training import finetune

    path = tmp_path / "ledger.jsonl"
    monkeypatch.setenv(environment.WORK_LEDGER, str(path))
    model, tokenizer, _ = tiny
    run = TrainingRun(learning_rate=1e-3, batch_size=4, max_length=16, seed=0, precision="fp32")

    def train():
        reviews = (toy_reviews(8), toy_reviews(4, offset=50))
        finetune(model, tokenizer, *reviews, run, output_dir=tmp_path / "run", progress=False)

    train()
    first = ledger.totals(path)
    assert first["trained"] > 0 and first["read"] > 0 and first["reused"] == 0
    train()
    assert ledger.totals(path) == {**first, "reused": 1}  # no tokens: it was read back
