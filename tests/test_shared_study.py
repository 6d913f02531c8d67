"""Workers sharing one study in a real PostgreSQL server: one is killed (SIGKILL) in the middle of a trial, its trial
is failed by the heartbeat and retried from its checkpoint by another worker, and the study ends with exactly the
budgeted number of trials."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import optuna
import pytest

from helpers import environment, search
from helpers.search.trial import trial_dir

N_TRIALS = 4
# grace period: 4 heartbeats, 20 s (was 4 s): a live worker starved on a loaded machine still beats in time
HEARTBEAT_S = 5
WORKER = """
import json, sys
args = json.loads(sys.argv[1])
sys.path.insert(0, args["tests"])
from support.builders import slow_steps, toy_reviews
from helpers import search
from helpers.data import with_review_ids
from helpers.modeling import load_classifier
from helpers.specs import TrainingRun

model, tokenizer, source = load_classifier("path", args["model"])
search.run_search(model, tokenizer, with_review_ids(toy_reviews(64)), with_review_ids(toy_reviews(16, 100)),
    TrainingRun(seed=0), profile="test", n_trials=args["n_trials"], storage=args["url"], name=args["name"],
    root=args["root"], space=search.SearchSpace(batch_size=(8,), epochs=(1,), train_max_length=(32,)),
    evals_per_epoch=2, pruner="none", base_source=source, callbacks=[slow_steps(args["step_s"], args["root"])],
    progress=True)
"""


def _worker(args: dict, log: Path) -> subprocess.Popen:
    env = os.environ | {environment.SEARCH_HEARTBEAT: str(HEARTBEAT_S), "HF_HUB_OFFLINE": "1"}
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, json.dumps(args)], stdout=out, stderr=subprocess.STDOUT, env=env
        )


def _wait_for(predicate, timeout: float, what: str, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := predicate():
            return found
        time.sleep(0.2)
    tails = "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in logs if p.exists())
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{tails}")


@pytest.fixture
def storage(postgres_url):
    """The test's own connections to the server, one engine closed after the test (a study loaded by URL keeps
    its connections open: twelve runs in one session used up the server's 50)."""
    storage = optuna.storages.RDBStorage(postgres_url)
    yield storage
    storage.remove_session()
    storage.engine.dispose()


@pytest.mark.slow
def test_a_killed_worker_loses_no_trial(postgres_url, storage, tiny, tmp_path):
    model, _, _ = tiny
    name = f"test-killed-{uuid.uuid4().hex[:8]}"
    args = {
        "url": postgres_url,
        "model": model.name_or_path,
        "name": name,
        "root": str(tmp_path),
        "tests": str(Path(__file__).parent),
        "n_trials": N_TRIALS,
        "step_s": 0.5,
    }
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2, 3)]
    workers = [_worker(args, logs[0])]
    (tmp_path / f"hold-{workers[0].pid}").touch()  # worker 1 waits after its first checkpoint until killed
    workers.append(_worker(args, logs[1]))
    try:
        # worker 1 has saved its trial's first checkpoint (step 4 of 8) and waits, mid-trial: kill it there
        marker = _wait_for(
            lambda: next(tmp_path.glob(f"saved-{workers[0].pid}-4"), None), 240, "worker 1's checkpoint", logs
        )
        study = optuna.load_study(study_name=name, storage=storage)
        trials_root = tmp_path / "trials" / name
        running = [t for t in study.get_trials() if t.state.name == "RUNNING"]
        (killed,) = [
            t for t in running if trial_dir(trials_root, t.params) == Path(marker.read_text()).parent
        ]
        os.kill(workers[0].pid, signal.SIGKILL)
        killed_at = time.monotonic()
        assert workers[0].wait(timeout=30) == -signal.SIGKILL
        assert (trial_dir(trials_root, killed.params) / "checkpoints" / "checkpoint-4").is_dir()
        # a third worker joins once the killed worker's heartbeat is stale (grace period: 4 heartbeats)
        time.sleep(max(0.0, killed_at + 5 * HEARTBEAT_S - time.monotonic()))
        workers.append(_worker(args, logs[2]))
        for worker, log in zip(workers[1:], logs[1:], strict=True):
            assert worker.wait(timeout=300) == 0, log.read_text()[-3000:]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    trials = optuna.load_study(study_name=name, storage=storage).get_trials()
    by_state = {
        s: [t for t in trials if t.state.name == s] for s in ("COMPLETE", "FAIL", "RUNNING", "WAITING")
    }
    assert len(by_state["COMPLETE"]) == N_TRIALS, [(t.number, t.state.name) for t in trials]
    assert not by_state["RUNNING"] and not by_state["WAITING"]
    failed = by_state["FAIL"][0]
    assert failed.number == killed.number and failed.datetime_complete is not None  # failed by the heartbeat
    # anything else failed only in a race for the last slot of the budget, and never ran
    assert all("budget" in t.system_attrs.get("fail_reason", "") for t in by_state["FAIL"][1:])
    (retry,) = [t for t in trials if t.system_attrs.get("failed_trial") == killed.number]
    assert retry.state.name == "COMPLETE" and retry.params == killed.params
    assert retry.user_attrs["resumed_from"] == "checkpoint-4"  # continued, not started over
    assert 1 in failed.intermediate_values  # its first evaluation happened before the kill ...
    assert retry.intermediate_values[1] == failed.intermediate_values[1]  # ... and the retry kept it
    # no trial lost or counted twice: four different configurations completed, the killed one once
    configs = [json.dumps(t.params, sort_keys=True) for t in by_state["COMPLETE"]]
    assert len(set(configs)) == N_TRIALS and configs.count(json.dumps(killed.params, sort_keys=True)) == 1
    frame = search.trials_frame(optuna.load_study(study_name=name, storage=storage))
    assert frame.loc[frame["number"] == retry.number, "retry_of"].item() == killed.number
