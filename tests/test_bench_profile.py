"""helpers.bench.profile: a training step's time split by category (shares only; no speed asserted)."""

from __future__ import annotations

import torch

from helpers.bench.profile import BREAKDOWN, profile_breakdown


def test_the_breakdown_has_every_category_and_finds_the_matmuls():
    weights = torch.randn(64, 64)

    def step(batch):
        return torch.mm(batch, weights).relu()

    shares = profile_breakdown(step, [torch.randn(32, 64) for _ in range(3)])
    assert list(shares) == list(BREAKDOWN)
    assert all(share >= 0 for share in shares.values())
    assert shares["matmuls"] > 0 and shares["optimizer"] == 0 and shares["dropout"] == 0
