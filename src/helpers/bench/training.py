"""Training steps side by side: the previous default recipe, today's, naive set-ups and one lever at a time, on the
same length-grouped batches, steps interleaved across set-ups so that a busy machine slows them alike."""

from __future__ import annotations

import contextlib
import copy
from dataclasses import asdict, dataclass, replace

import numpy as np

from helpers.bench.measure import Measurement
from helpers.devices import choose_device
from helpers.dropout import set_attention_dropout, set_hidden_dropout
from helpers.labels import imdb_label_map
from helpers.specs import DEFAULT_DROPOUT
from helpers.speed import timed_step  # the one step timer: the plan's and precision auto's too
from helpers.tokens import length_grouped_batches, pad_batch, tokenize_dataset


# ----------------------------------------------------------------------------------------------- training
@dataclass
class TrainSetup:
    """One way to run a training step: the recipe (dropout), the precision and the kernels."""

    method: str
    notes: str = ""
    autocast: bool = True  # bf16 autocast
    bf16_weights: bool = False  # the whole model in bfloat16, no autocast
    attention_dropout: float | None = 0.0  # None: as the checkpoint has it
    hidden_dropout: float | None = None  # None: as the checkpoint has it
    attention: str = "sdpa"  # sdpa | eager | sdpa_fp32 (SDPA with fp32 inputs under autocast)
    optimizer: str = "fused"  # fused | foreach
    batch_size: int = 16
    pad_to_max: bool = False  # naive: every batch padded to max_length
    compile: bool = False


PREVIOUS_DEFAULT = "previous default: bf16 autocast, dropout as configured"
NEW_DEFAULT = "new default: bf16 autocast, dropout 0, batch 32"
FP32_DEFAULT = "new default in fp32: dropout 0, batch 32"  # what precision auto trains in without native bf16


FP32_ATTENTION = "sdpa_fp32"


def register_fp32_attention() -> None:
    """Register ``sdpa_fp32`` with transformers: SDPA on fp32 query, key and value even under bf16 autocast (whether
    that pays for the casts is the benchmark's to measure on the machine at hand)."""
    import torch
    from transformers import AttentionInterface
    from transformers.integrations.sdpa_attention import sdpa_attention_forward
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    def attention(module, query, key, value, attention_mask, **kwargs):
        with torch.autocast(query.device.type, enabled=False):
            out, weights = sdpa_attention_forward(
                module, query.float(), key.float(), value.float(), attention_mask, **kwargs
            )
        return out.to(query.dtype), weights

    AttentionInterface.register(FP32_ATTENTION, attention)
    AttentionMaskInterface.register(FP32_ATTENTION, sdpa_mask)


def training_setups(batch_size: int = 16, with_compile: bool = False) -> list[TrainSetup]:
    """The previous default and today's (the first two: the table's ratio), naive set-ups, then one lever at a time
    changed from today's default."""
    new = dict(DEFAULT_DROPOUT, batch_size=32)  # finetune's recipe, the seed's batch
    setups = [
        TrainSetup(
            PREVIOUS_DEFAULT, "finetune before issue 10: the checkpoint's dropout", attention_dropout=None
        ),
        TrainSetup(
            NEW_DEFAULT, "finetune's default: fused SDPA kernel, no dropout masks; the seed's batch", **new
        ),
        TrainSetup(
            FP32_DEFAULT, "precision auto's choice on CPUs without native bf16", autocast=False, **new
        ),
        TrainSetup("fp32, dropout as configured", "no autocast", autocast=False, attention_dropout=None),
        TrainSetup(
            "naive: pad to max_length, fp32",
            "dropout as configured",
            autocast=False,
            attention_dropout=None,
            pad_to_max=True,
        ),
        TrainSetup("lever: hidden dropout as configured", "attention dropout 0 only", batch_size=32),
        TrainSetup("lever: eager attention (no SDPA)", "dropout 0", attention="eager", **new),
        TrainSetup(
            "lever: attention in fp32 under autocast",
            "dropout 0; SDPA's fp32 CPU kernel, matmuls still bf16",
            attention=FP32_ATTENTION,
            **new,
        ),
        TrainSetup("lever: foreach AdamW instead of fused", "dropout 0", optimizer="foreach", **new),
        TrainSetup(
            "lever: bf16 weights, no autocast",
            "pure bf16: small updates are lost",
            autocast=False,
            bf16_weights=True,
            **new,
        ),
        TrainSetup(f"lever: batch {batch_size}", "dropout 0", **{**new, "batch_size": batch_size}),
    ]
    if with_compile:
        setups.append(
            TrainSetup(
                "lever: torch.compile, dynamic shapes",
                "dropout 0; compiled in the warm-up steps (not timed)",
                compile=True,
                **new,
            )
        )
    return setups


def padded_tokens(lengths, batches, pad_to: int | None = None) -> int:
    """Tokens a model computes over (padding included): each batch padded to its longest or to ``pad_to``."""
    lengths = np.asarray(lengths)
    return int(sum(len(b) * (pad_to or lengths[b].max()) for b in batches))


def _prepare_model(model, setup: TrainSetup, device):
    import torch

    model = copy.deepcopy(model)
    if setup.attention_dropout is not None:
        set_attention_dropout(model, setup.attention_dropout)
    if setup.hidden_dropout is not None:
        set_hidden_dropout(model, setup.hidden_dropout)
    if setup.attention == FP32_ATTENTION:
        register_fp32_attention()
    if setup.attention != "sdpa":
        model.set_attn_implementation(setup.attention)
    model = model.to(device=device, dtype=torch.bfloat16 if setup.bf16_weights else None).train()
    kind = {"fused": {"fused": True}, "foreach": {"foreach": True}}[setup.optimizer]
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01, **kind)
    forward = torch.compile(model, dynamic=True) if setup.compile else model  # one graph for every length
    return model, forward, optimizer


def make_train_step(model, setup: TrainSetup, ids, labels, pad_id: int, max_length: int, device):
    """A function running one optimiser step on a batch (indices into ``ids``): collate, forward, backward, AdamW.

    The same work as the Trainer's step (gradient clipping at 1.0 included), without its logging.
    """
    import torch

    model, forward, optimizer = _prepare_model(model, setup, device)
    autocast = (
        torch.autocast(device.type, dtype=torch.bfloat16) if setup.autocast else contextlib.nullcontext()
    )

    def step(batch) -> None:
        with torch.profiler.record_function("collate"):
            seqs = [ids[i] for i in batch]
            if setup.pad_to_max:
                seqs = [s + [pad_id] * (max_length - len(s)) for s in seqs]
            inputs = {k: v.to(device) for k, v in pad_batch(seqs, pad_id).items()}
            if setup.pad_to_max:
                inputs["attention_mask"] = (inputs["input_ids"] != pad_id).long()
            target = torch.as_tensor([labels[i] for i in batch], device=device)
        with autocast:
            loss = forward(**inputs, labels=target).loss
        loss.backward()
        with torch.profiler.record_function("optimizer"):
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

    return step


def tokenized_sample(model, tokenizer, train, n: int, max_length: int, seed: int):
    """``n`` stratified training reviews tokenized as ``finetune`` does (head+tail), with their lengths."""
    from helpers.data import stratified_sample

    subset = stratified_sample(train, n, seed)
    data = tokenize_dataset(
        tokenizer, subset, truncation="head_tail", max_length=max_length, label_map=imdb_label_map(model)
    )
    return data["input_ids"], data["labels"], np.asarray(data["length"])


def bench_training(
    model,
    tokenizer,
    train,
    *,
    steps: int,
    max_length: int,
    batch_size: int = 16,
    seed: int = 42,
    device=None,
    with_compile: bool = False,
    defaults_only: bool = False,
) -> list[Measurement]:
    """Every training setup on the same length-grouped batches, after warm-up (three steps when a compiled setup is
    among them), round ``r`` running step ``r`` of every setup in turn so that a busy machine slows them alike.
    """
    device = choose_device(device)
    setups = training_setups(batch_size, with_compile)[: 2 if defaults_only else None]
    biggest = max(s.batch_size for s in setups)
    warm = 3 if any(s.compile for s in setups) else 1
    ids, labels, lengths = tokenized_sample(
        model, tokenizer, train, (steps + warm) * biggest, max_length, seed
    )
    pad_id = pad_token_id(tokenizer)
    plans, steppers = {}, {}
    for setup in setups:
        plans[setup.method] = length_grouped_batches(lengths, setup.batch_size, seed)[: steps + warm]
        steppers[setup.method] = make_train_step(model, setup, ids, labels, pad_id, max_length, device)
        for batch in plans[setup.method][:warm]:  # warm-up (and compilation)
            steppers[setup.method](batch)
    times: dict[str, list[float]] = {s.method: [] for s in setups}
    for round_ in range(warm, steps + warm):
        for setup in setups:
            times[setup.method].append(
                timed_step(steppers[setup.method], plans[setup.method][round_], device)
            )
    return [
        training_measurement(setup, plans[setup.method][warm:], times[setup.method], lengths, max_length)
        for setup in setups
    ]


def bench_epoch(
    model,
    tokenizer,
    train,
    *,
    reviews: int,
    max_length: int,
    batch_size: int = 32,
    seed: int = 42,
    device=None,
) -> Measurement:
    """One whole epoch of ``finetune``'s default step over ``reviews`` training reviews (length-grouped batches),
    after one warm-up step: what an epoch of the ``full`` profile costs on this device (task ``epoch``)."""
    device = choose_device(device)
    new = next(s for s in training_setups() if s.method == NEW_DEFAULT)
    setup = replace(new, method=f"one epoch, new default: {reviews:,} reviews", batch_size=batch_size)
    ids, labels, lengths = tokenized_sample(model, tokenizer, train, reviews, max_length, seed)
    batches = length_grouped_batches(lengths, batch_size, seed)
    step = make_train_step(model, setup, ids, labels, pad_token_id(tokenizer), max_length, device)
    step(batches[0])  # warm-up: kernels chosen, memory allocated
    seconds = [timed_step(step, batch, device) for batch in batches]
    run = training_measurement(setup, batches, seconds, lengths, max_length, task="epoch")
    run.notes = f"{run.seconds:.0f} s for the epoch: {len(batches):,} steps of up to {batch_size} x {max_length} tokens"
    return run


def pad_token_id(tokenizer) -> int:
    """The tokenizer's padding id (0 for a tokenizer without one)."""
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0


def training_measurement(
    setup: TrainSetup, batches, seconds: list[float], lengths, max_length: int, task: str = "training"
) -> Measurement:
    """One setup's timed steps as a :class:`Measurement` (real tokens, padded tokens, per-step spread), printed."""
    tokens = [int(lengths[b].sum()) for b in batches]
    per_step = [t / s for t, s in zip(tokens, seconds, strict=True)]
    print(
        f"  {setup.method:<52} {sum(tokens) / sum(seconds):8.0f} tokens/s"
        f"  (steps {min(per_step):.0f}–{max(per_step):.0f})",
        flush=True,
    )
    return Measurement(
        task,
        setup.method,
        float(sum(seconds)),
        sum(len(b) for b in batches),
        sum(tokens),
        float("nan"),  # not sampled: the setups share one process
        None,
        setup.notes,
        {
            "steps": len(batches),
            "batch_size": setup.batch_size,
            "max_length": max_length,
            "padded_tokens": padded_tokens(lengths, batches, max_length if setup.pad_to_max else None),
            "tokens_per_s_spread": [min(per_step), max(per_step)],
            "setup": asdict(setup),
        },
    )
