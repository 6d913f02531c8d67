"""Dropout set layer by layer: the attention probabilities apart from everything else."""

from copy import deepcopy

import pytest
import torch

from helpers.dropout import set_attention_dropout, set_hidden_dropout


def test_set_attention_dropout_reaches_every_self_attention_layer(tiny):
    model, _, _ = tiny
    copy = deepcopy(model)
    set_attention_dropout(copy, 0.0)
    layers = [m for m in copy.modules() if type(m).__name__.endswith("SelfAttention")]
    assert layers and all(m.dropout.p == 0.0 for m in layers)
    assert copy.config.attention_dropout == 0.0
    with pytest.raises(ValueError, match="attention dropout"):
        set_attention_dropout(copy, 1.5)


def test_set_hidden_dropout_leaves_the_attention_dropout_alone(tiny):
    model, _, _ = tiny
    copy = deepcopy(model)
    set_attention_dropout(copy, 0.05)
    set_hidden_dropout(copy, 0.0)
    attention = {id(m.dropout) for m in copy.modules() if type(m).__name__.endswith("SelfAttention")}
    others = [m for m in copy.modules() if isinstance(m, torch.nn.Dropout) and id(m) not in attention]
    assert others and all(m.p == 0.0 for m in others)
    assert all(m.dropout.p == 0.05 for m in copy.modules() if type(m).__name__.endswith("SelfAttention"))
