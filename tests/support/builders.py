"""Shared builders for the tests: tiny IMDB parquet folders, toy results files and review sets, a slow-step
callback for search workers, service helpers, and readers of executed notebooks' outputs.

Plain functions that tests import (``from support.builders import …``); the pytest fixtures that use them live
in ``tests/conftest.py``, which nothing imports.
"""

from __future__ import annotations

import os
import socket
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset

POS = [
    "A wonderful, moving film.<br /><br />Loved it.",
    "Great acting and a superb script.",
    "Best film this year!",
    "Brilliant &amp; funny.",
    "I enjoyed every minute.",
    "An excellent cast, a perfect ending.",
]
NEG = [
    "The worst film I have seen.",
    "Boring, stupid and far too long.<br />Avoid.",
    "A waste of time.",
    "Awful acting; terrible plot.",
    "Bad. Just bad.",
    "Nothing happens and nobody cares.",
]


def write_imdb_folder(folder, train=None, test=None):
    """Write ``train-…`` and ``test-…`` parquet files (text, label) like the Hub's export."""
    folder.mkdir(parents=True, exist_ok=True)
    default = {"text": POS + NEG, "label": [1] * len(POS) + [0] * len(NEG)}
    for split, table in (("train", train or default), ("test", test or default)):
        pq.write_table(pa.table(table), folder / f"{split}-00000-of-00001.parquet")
    return folder


def write_toy_results(folder, model_key="toy_model", **overrides):
    """A model's results pair (record and predictions on reviews a–d) written under the contract into ``folder``."""
    from helpers.data import DataSource
    from helpers.results_files import write_results

    kwargs = dict(
        profile="smoke",
        model_key=model_key,
        model="Toy model",
        data_source=DataSource("imdb", "bundled", "data/imdb", "Hub not used: offline"),
        model_source={"kind": "scikit-learn", "description": "toy"},
        review_ids=["a", "b", "c", "d"],
        y_true=[1, 0, 1, 0],
        y_pred=[1, 0, 0, 0],
        p_pos=[0.9, 0.2, 0.4, 0.1],
        train_seconds=1.5,
        predict_seconds=0.25,
        folder=folder,
    )
    kwargs.update(overrides)
    return write_results(**kwargs)


def toy_reviews(n: int, offset: int = 0) -> Dataset:
    """``n`` distinct short reviews of varied length, alternating labels (for training and search tests)."""
    words = ["good", "bad", "film", "plot", "superb", "boring", "the", "acting", "was", "really"]
    texts = [
        " ".join(words[(i + j) % len(words)] for j in range(5 + i % 7)) + f" review {i + offset}"
        for i in range(n)
    ]
    return Dataset.from_dict({"text": texts, "label": [i % 2 for i in range(n)]})


def slow_steps(step_s: float, marker_root: str | None = None):
    """A Trainer callback for the search workers run as subprocesses: ``step_s`` seconds per training step, so a
    trial is still running when the test kills its process; with ``marker_root``, each checkpoint saved leaves a
    file ``saved-<pid>-<step>`` there holding the checkpoint's folder, so the test knows what the process saved,
    and while a file ``hold-<pid>`` exists there the process waits after that save (it is killed mid-trial, however
    slow the machine)."""
    from transformers import TrainerCallback

    class SlowSteps(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            time.sleep(step_s)

        def on_save(self, args, state, control, **kwargs):
            if marker_root is not None:
                marker = os.path.join(marker_root, f"saved-{os.getpid()}-{state.global_step}")
                with open(marker + ".tmp", "w") as f:
                    f.write(args.output_dir)
                os.replace(marker + ".tmp", marker)
                while os.path.exists(os.path.join(marker_root, f"hold-{os.getpid()}")):
                    time.sleep(0.1)

    return SlowSteps()


# ----------------------------------------------------------------------------------------------- services
def unavailable(reason: str):
    """Skip when a service the test needs cannot be had here; in CI (``CI=true``) that is a failure instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI must run this test: .ci/run installs what it needs)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------------------------- an opinionated model
OPINIONS = {
    1: ["good", "great", "superb", "wonderful", "brilliant", "loved"],
    0: ["bad", "awful", "boring", "terrible", "worst", "hated"],
}


def opinion_reviews(n: int, seed: int = 0) -> Dataset:
    """``n`` short reviews whose label is carried by one sentiment word among neutral ones (alternating labels)."""
    import random

    rng = random.Random(seed)
    neutral = ["the", "film", "plot", "acting", "was", "really", "a", "cast", "story", "it"]
    texts, labels = [], []
    for i in range(n):
        words = rng.sample(neutral, 4) + [rng.choice(OPINIONS[i % 2])]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(i % 2)
    return Dataset.from_dict({"text": texts, "label": labels})


# ----------------------------------------------------------------------------------------------- notebook outputs
def output_rows(path) -> list[str]:
    """What a reader sees in an executed notebook's outputs: one item per text line or HTML table row."""
    import re

    import nbformat

    rows = []
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            rows += (
                output.get("text", "") + data.get("text/plain", "") + data.get("text/markdown", "")
            ).splitlines()
            if html := data.get("text/html"):
                rows += [re.sub(r"<[^>]+>", " ", row) for row in html.split("<tr")]
    return rows


def output_statements(path) -> list[str]:
    """What a reader reads as one statement in an executed notebook's outputs: a text line or HTML table row
    (:func:`output_rows`), and each sentence of a markdown output, whose sentences may wrap over lines."""
    import re

    import nbformat

    statements = []
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if markdown := data.get("text/markdown", ""):
                for paragraph in re.split(r"\n\s*\n|\n(?=\s*(?:[-*] |\||#))", markdown):
                    statements += re.split(r"(?<=[.!?])\s+", " ".join(paragraph.split()))
                continue
            lines = (output.get("text", "") + data.get("text/plain", "")).splitlines()
            statements += lines
            # an evaluation report (helpers.evaluation.print_report): its title names the model, the next line
            # gives its accuracy with its interval
            statements += [
                f"{a} {b}"
                for a, b in zip(lines, lines[1:], strict=False)
                if re.match(r"accuracy \S+ +\(95% CI ", b)
            ]
            if html := data.get("text/html"):
                statements += [re.sub(r"<[^>]+>", " ", row) for row in html.split("<tr")]
    return statements


def shows_accuracy(statement: str, accuracy: float) -> bool:
    """Whether ``statement`` prints ``accuracy`` at three decimals (or more, with trailing zeros) as a number of
    its own: 0.500 is in "0.500" and "0.5000", not in "0.5004" or "10.500"."""
    import re

    digits = f"{accuracy:.3f}"
    return re.search(rf"(?<![\d.]){re.escape(digits)}0*(?![\d])", statement) is not None


def unprinted_accuracies(notebooks, results) -> list[str]:
    """Problems with the accuracies the notebooks print: the last notebook (the comparison) must show each model's
    recorded accuracy on the row of its short label, and the earlier notebooks that name it (the one that made it)
    must print it too, in a statement (a row, a line or a sentence) that names the model: a number that happens to
    appear elsewhere (every model of a smoke run may score 0.500) does not count."""
    from helpers.present import short_label
    from helpers.story.phrases import sentence_start

    statements = {path.name: output_statements(path) for path in notebooks}
    comparison = notebooks[-1].name
    problems = []
    for key, (record, _) in results.items():
        label, accuracy = short_label(record), record["accuracy"]

        def names_it(statement, label=label, accuracy=accuracy):
            named = label in statement or sentence_start(label) in statement  # a sentence may open with it
            return named and shows_accuracy(statement, accuracy)

        if not any(names_it(row) for row in statements[comparison]):
            problems.append(f"{comparison}: no row with {label!r} at accuracy {accuracy:.3f} ({key})")
        naming = [
            lines
            for name, lines in statements.items()
            if name != comparison and any(label in r for r in lines)
        ]
        if naming and not any(names_it(row) for lines in naming for row in lines):
            problems.append(
                f"the notebooks naming {label} before {comparison} never print its accuracy {accuracy:.3f} "
                f"beside its name"
            )
    return problems


def interval_problems(key, record, predictions) -> list[str]:
    """The recorded 95% interval of a results record against SciPy's Wilson score interval (an implementation
    independent of helpers.evaluation) for the correct predictions in its predictions file."""
    import numpy as np
    from scipy.stats import binomtest

    n = len(predictions)
    correct = int((predictions["pred"] == predictions["label"]).sum())
    expected = binomtest(correct, n).proportion_ci(confidence_level=0.95, method="wilson")
    if not np.allclose(record["accuracy_ci95"], [expected.low, expected.high], rtol=0, atol=1e-9):
        return [
            f"{key}: accuracy_ci95 {record['accuracy_ci95']} is not the Wilson interval of {correct}/{n} "
            f"({expected.low:.6f}, {expected.high:.6f})"
        ]
    return []


def figure_problems(path) -> list[str]:
    """What makes a saved figure unreadable: not a PNG, smaller than 200 × 150 px or wider than the README's
    900-px column (the series saves at 110 dpi, at most 8.2 in wide), or without data: under 2% of its pixels
    drawn, or under 0.05% in colour (empty axes are grey and black; the committed figures have 0.2% and more)."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(path)
        image.load()
    except (OSError, UnidentifiedImageError) as error:
        return [f"{path.name}: not an image ({error})"]
    problems = [] if image.format == "PNG" else [f"{path.name}: {image.format}, not a PNG"]
    width, height = image.size
    if not (200 <= width <= 910 and height >= 150):
        problems.append(f"{path.name}: {width} × {height} px")
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    drawn = (pixels < 245).any(axis=1).mean()
    coloured = (pixels.max(axis=1).astype(int) - pixels.min(axis=1) > 40).mean()
    if drawn < 0.02 or coloured < 0.0005:
        problems.append(f"{path.name}: no data drawn ({drawn:.1%} of pixels drawn, {coloured:.2%} in colour)")
    return problems


def project_kernel(tmp_path) -> dict:
    """The environment of a runner whose ``imdb-sentiment`` kernel is this Python (what ``make setup`` installs),
    whatever kernelspec this machine's user folder holds (e.g. one of another clone's environment); the models it
    builds (the smoke profile's tiny DistilBERT) go to ``tmp_path/models``, not the checkout's ``models/``."""
    import json
    import sys

    from helpers import environment
    from helpers.runner import notebooks

    spec = tmp_path / "jupyter" / "kernels" / notebooks.KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({**notebooks.KERNEL_SPEC, "argv": argv}))
    env = {k: v for k, v in os.environ.items() if k not in {"IMDB_SERIES_OUTPUT", environment.WORK_LEDGER}}
    return env | {
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter"),
        "PYTHONUNBUFFERED": "1",
        "IMDB_MODELS_DIR": str(tmp_path / "models"),
    }


# Texts no reader accepts, each with the message that names what is wrong (tokens.validate_texts, predict)
BAD_TEXTS = [
    (["fine", 3], r"texts\[1\] is int"),
    (["fine", ""], r"texts\[1\] is empty"),
    (["fine", "ok", " \n\t"], r"texts\[2\] is empty or whitespace"),
    ([None], r"texts\[0\] is NoneType"),
    ([], "empty"),
    ("a single string", "single string"),
]
