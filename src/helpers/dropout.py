"""Dropout in a transformer classifier, set layer by layer: the attention probabilities apart from everything
else (embeddings, residual branches, classifier). Used by fine-tuning, the stand-in's build and the benchmarks."""

from __future__ import annotations


def set_attention_dropout(model, p: float) -> None:
    """Dropout on the attention probabilities of every self-attention layer (and in the config) set to ``p``.

    ``p = 0`` keeps scaled-dot-product attention on its fused kernel while training.
    """
    import torch

    if not 0 <= p < 1:
        raise ValueError(f"attention dropout must be in [0, 1), got {p}")
    for module in model.modules():
        dropout = getattr(module, "dropout", None)
        if type(module).__name__.endswith("SelfAttention") and isinstance(dropout, torch.nn.Dropout):
            dropout.p = p
    for key in ("attention_probs_dropout_prob", "attention_dropout"):  # BERT-style, DistilBERT
        if hasattr(model.config, key):
            setattr(model.config, key, p)


def set_hidden_dropout(model, p: float) -> None:
    """Every dropout outside the attention probabilities (embeddings, residual branches, classifier) set to ``p``."""
    import torch

    if not 0 <= p < 1:
        raise ValueError(f"hidden dropout must be in [0, 1), got {p}")
    attention = {id(m.dropout) for m in model.modules() if type(m).__name__.endswith("SelfAttention")}
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout) and id(module) not in attention:
            module.p = p
    for key in ("hidden_dropout_prob", "dropout", "seq_classif_dropout", "classifier_dropout"):
        if getattr(model.config, key, None) is not None:
            setattr(model.config, key, p)
