"""The Ray backend on a real two-node Ray cluster on this machine (``ray start --head`` plus a second ``ray start
--address=…`` node): trials land on both nodes, and ``Tuner.restore`` finishes a search whose driver was killed."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import ray  # noqa: F401  (requirements-dev.txt installs it: without it this module fails, never skips)
from support.builders import free_port, unavailable

N_TRIALS = 4
IP = "127.0.0.2"
NODE_CHECK = """
import json, sys, ray
ray.init(address=sys.argv[1], log_to_driver=False, configure_logging=False)
print(json.dumps([n["NodeID"] for n in ray.nodes() if n["Alive"]]))
"""
DRIVER = """
import json, sys
args = json.loads(sys.argv[1])
sys.path.insert(0, args["tests"])
from support.builders import slow_steps, toy_reviews
from helpers import search
from helpers.data import with_review_ids
from helpers.modeling import load_classifier
from helpers.specs import TrainingRun

model, tokenizer, source = load_classifier("path", args["model"])
result = search.run_search(model, tokenizer, with_review_ids(toy_reviews(32)), with_review_ids(toy_reviews(16, 100)),
    TrainingRun(seed=0), profile="test", n_trials=args["n_trials"], backend="ray", ray_address=args["address"],
    ray_cpus_per_trial=1, ray_max_concurrent=2, root=args["root"],
    space=search.SearchSpace(batch_size=(8,), epochs=(1,), train_max_length=(32,)), evals_per_epoch=2,
    base_source=source, callbacks=[slow_steps(args["step_s"])], progress=True)
trials = result.study.get_trials()
print("RESULT " + json.dumps({"name": result.study_name, "restored": result.settings["restored"],
    "trials": [{"state": t.state.name, "node": t.user_attrs["ray_node_id"], "params": t.params} for t in trials]}))
"""


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _session_pids(sid: int) -> list[int]:
    """Processes of session ``sid`` (everything a ``ray start`` we launched started, unless it left the session)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == sid:
                    pids.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return pids


def _processes_using(folder: Path) -> list[int]:
    """Processes whose command line names ``folder`` (Ray's node processes name their session folder)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(folder) in (entry / "cmdline").read_bytes().decode(
                errors="replace"
            ):
                pids.append(int(entry.name))
        except OSError:
            continue
    return [pid for pid in pids if pid != os.getpid()]


ATTEMPTS = (
    3  # a node that dies in its own startup (Ray waits a fixed 30 s for it) is started again, up to here
)


class _NodeDied(Exception):
    """A ``ray start`` ended before its cluster was up (the message carries the nodes' logs)."""


@pytest.fixture(scope="module")
def ray_cluster():
    """Two Ray nodes on this machine, one CPU each (so two concurrent one-CPU trials need both), in a private temp
    folder on a free port; stopped at the end by the PIDs of the processes they started (never ``ray stop``).

    On a loaded machine ``ray start`` can give up on its own node: Ray waits a fixed 30 s for the raylet to
    register, and CI's two test workers on 2 cores once made a node miss it ("The current node timed out during
    startup"). Such a start is torn down and tried again on a new port and folder, up to ``ATTEMPTS`` times."""
    # the cluster's own token (Ray's default authentication), shared by its nodes and the drivers
    env = os.environ | {
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
        "RAY_USAGE_STATS_ENABLED": "0",
        "HF_HUB_OFFLINE": "1",
    }
    failures = []
    for _ in range(ATTEMPTS):
        nodes: list[subprocess.Popen] = []
        temp = Path(
            tempfile.mkdtemp(prefix="imdb-ray-")
        )  # short: Ray's socket paths must stay under 108 bytes
        try:
            address, node_ids = _start_cluster(nodes, temp, env)
        except _NodeDied as died:
            failures.append(str(died))
            _stop_cluster(nodes, temp)
            continue
        try:
            yield {"address": address, "node_ids": node_ids, "env": env}
        finally:
            _stop_cluster(nodes, temp)
        return
    unavailable(f"a two-node Ray cluster did not start in {ATTEMPTS} attempts:\n" + "\n---\n".join(failures))


def _start_cluster(nodes: list[subprocess.Popen], temp: Path, env: dict) -> tuple[str, list[str]]:
    """Start the head, then the second node, appending each process to ``nodes``; the address and node IDs."""
    ray_bin = Path(sys.executable).with_name("ray")
    # Ray turns 127.0.0.1 into the machine's network address; 127.0.0.2 is loopback too and kept as given.
    address = f"{IP}:{(port := free_port())}"
    common = ["--block", "--num-cpus=1", "--object-store-memory=100000000", "--disable-usage-stats"]
    head = [ray_bin, "start", "--head", f"--port={port}", f"--node-ip-address={IP}", f"--temp-dir={temp}"]
    head += ["--include-dashboard=false", '--resources={"head_node": 1}', *common]
    second = [ray_bin, "start", f"--address={address}", f"--node-ip-address={IP}"]
    second += ['--resources={"second_node": 1}', *common]
    for i, command in enumerate((head, second)):
        with (temp / f"node{i}.log").open("w") as log:
            nodes.append(
                subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
                )
            )
        node_ids = _wait_for_nodes(address, i + 1, nodes, temp, env)
    return address, node_ids


def _stop_cluster(nodes: list[subprocess.Popen], temp: Path) -> None:
    """Stop the nodes (the worker node first, then the head) and everything they started; remove the folder."""
    for node in reversed(nodes):
        if node.poll() is None:
            node.send_signal(signal.SIGTERM)
    for node in reversed(nodes):
        with contextlib.suppress(subprocess.TimeoutExpired):
            node.wait(timeout=30)
        for pid in _session_pids(node.pid):
            _kill(pid)
    for pid in _processes_using(temp):
        _kill(pid)
    shutil.rmtree(temp, ignore_errors=True)


def _node_ids(stdout: str) -> list[str]:
    """The node IDs the check printed: its last line that is a JSON list (Ray may print its own lines around it)."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            ids = json.loads(line)
        except ValueError:
            continue
        if isinstance(ids, list):
            return ids
    return []


def _wait_for_nodes(address: str, n: int, nodes, temp: Path, env: dict, timeout: float = 300) -> list[str]:
    """The alive nodes' IDs once ``n`` have joined. A check that times out (a loaded machine: one ``ray.init``
    took over a minute on 2 busy cores) is tried again until the deadline, not taken for a failed cluster; a node
    process that ended raises :class:`_NodeDied`, so the fixture can start the cluster again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(node.poll() is not None for node in nodes):
            break
        try:
            check = subprocess.run(
                [sys.executable, "-c", NODE_CHECK, address],
                capture_output=True,
                text=True,
                timeout=max(10.0, min(90.0, deadline - time.monotonic())),
                env=env,
            )
        except subprocess.TimeoutExpired:
            continue
        if check.returncode == 0 and len(ids := _node_ids(check.stdout)) >= n:
            return ids
        time.sleep(1)
    logs = "\n".join(p.read_text()[-1500:] for p in sorted(temp.glob("node*.log")))
    if any(node.poll() is not None for node in nodes):
        raise _NodeDied(f"a Ray node ended before {n} node(s) joined on {address}:\n{logs}")
    unavailable(f"a {n}-node Ray cluster did not start on {address} in {timeout:.0f} s:\n{logs}")


def _driver(args: dict, log: Path, env: dict) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-c", DRIVER, json.dumps(args)], stdout=out, stderr=subprocess.STDOUT, env=env
        )


def _reported(experiment: Path) -> int:
    """Trials of the experiment with at least one reported result."""
    return sum(p.stat().st_size > 0 for p in experiment.glob("*/result.json"))


@pytest.mark.slow
def test_ray_trials_use_both_nodes_and_restore_after_the_driver_is_killed(ray_cluster, tiny, tmp_path):
    model, _, _ = tiny
    args = {
        "address": ray_cluster["address"],
        "model": model.name_or_path,
        "root": str(tmp_path),
        "tests": str(Path(__file__).parent),
        "n_trials": N_TRIALS,
        "step_s": 0.5,
    }
    first_log, second_log = tmp_path / "driver1.log", tmp_path / "driver2.log"
    driver = _driver(args, first_log, ray_cluster["env"])
    try:
        deadline = time.monotonic() + 300
        experiments = tmp_path / "ray"
        # kill the driver once Tune has saved its experiment state and trials are under way, before the end
        while time.monotonic() < deadline and driver.poll() is None:
            states = list(experiments.glob("*/experiment_state-*.json"))
            if states and _reported(states[0].parent) >= 1:
                break
            time.sleep(0.2)
        assert driver.poll() is None, (
            "the search ended before the driver could be killed:\n" + first_log.read_text()[-3000:]
        )
        assert states, first_log.read_text()[-3000:]
        driver.send_signal(signal.SIGKILL)
        assert driver.wait(timeout=30) == -signal.SIGKILL
        experiment = states[0].parent
        assert "RESULT" not in first_log.read_text()

        restored = _driver(
            args, second_log, ray_cluster["env"]
        )  # the same search again: Tuner.restore picks the experiment up
        assert restored.wait(timeout=400) == 0, second_log.read_text()[-4000:]
    finally:
        for process in (driver, locals().get("restored")):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    output = second_log.read_text()
    result = json.loads(output.split("RESULT ", 1)[1].splitlines()[0])
    assert result["restored"] and result["name"] == experiment.name
    assert "resuming the Ray Tune experiment" in output
    trials = result["trials"]
    assert len(trials) == N_TRIALS and {t["state"] for t in trials} <= {"COMPLETE", "PRUNED"}
    assert any(t["state"] == "COMPLETE" for t in trials)
    assert len({json.dumps(t["params"], sort_keys=True) for t in trials}) == N_TRIALS  # none run twice
    nodes = {t["node"] for t in trials}
    assert nodes == set(ray_cluster["node_ids"]), (nodes, ray_cluster["node_ids"])  # both nodes ran trials
