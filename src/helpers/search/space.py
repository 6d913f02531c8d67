"""What a search may try: the ranges and choices of the fine-tuning hyperparameters, sampled by Optuna."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from optuna.distributions import CategoricalDistribution, FloatDistribution

from helpers.tokens import TRUNCATIONS

PARAMS = (
    "learning_rate",
    "warmup_ratio",
    "weight_decay",
    "batch_size",
    "epochs",
    "train_max_length",
    "truncation",
)
_CHOICES = ("batch_size", "epochs", "train_max_length", "truncation")


class SearchError(RuntimeError):
    """A search that cannot start or produced nothing usable; the message says why."""


@dataclass(frozen=True)
class SearchSpace:
    """Ranges (low, high) for the continuous parameters and choices for the discrete ones."""

    learning_rate: tuple[float, float] = (1e-5, 2e-4)  # sampled on a log scale
    warmup_ratio: tuple[float, float] = (0.0, 0.2)
    weight_decay: tuple[float, float] = (0.0, 0.1)
    batch_size: tuple[int, ...] = (8, 16, 32)
    epochs: tuple[int, ...] = (1, 2)
    train_max_length: tuple[int, ...] = (128, 256)  # tokens per training review
    truncation: tuple[str, ...] = ("head", "head_tail")

    def __post_init__(self):
        for name in ("learning_rate", "warmup_ratio", "weight_decay"):
            low, high = getattr(self, name)
            if not 0 <= low <= high or (name == "learning_rate" and low <= 0):
                raise ValueError(
                    f"search space {name}: need 0 {'<' if name == 'learning_rate' else '<='} "
                    f"low <= high, got {(low, high)}"
                )
        for name in _CHOICES:
            if not getattr(self, name):
                raise ValueError(f"search space {name}: give at least one choice")
        if set(self.truncation) - set(TRUNCATIONS):
            raise ValueError(
                f"search space truncation: choices must be among {TRUNCATIONS}, got {self.truncation}"
            )

    @classmethod
    def from_params(cls, params: dict[str, Any] | None) -> SearchSpace:
        """From a profile's ``search_space`` mapping (lists become tuples; missing keys keep the defaults)."""
        params = dict(params or {})
        unknown = set(params) - set(PARAMS)
        if unknown:
            raise ValueError(f"unknown search space keys {sorted(unknown)}; known: {', '.join(PARAMS)}")
        return cls(**{k: tuple(v) for k, v in params.items()})

    def suggest(self, trial) -> dict[str, Any]:
        """One configuration from an Optuna trial (define-by-run; also used by Ray's ``OptunaSearch``)."""
        return {
            "learning_rate": trial.suggest_float("learning_rate", *self.learning_rate, log=True),
            "warmup_ratio": trial.suggest_float("warmup_ratio", *self.warmup_ratio),
            "weight_decay": trial.suggest_float("weight_decay", *self.weight_decay),
            **{name: trial.suggest_categorical(name, list(getattr(self, name))) for name in _CHOICES},
        }

    def distributions(self) -> dict[str, Any]:
        """The Optuna distributions :meth:`suggest` samples from (to rebuild a study from Ray's results)."""
        return {
            "learning_rate": FloatDistribution(*self.learning_rate, log=True),
            "warmup_ratio": FloatDistribution(*self.warmup_ratio),
            "weight_decay": FloatDistribution(*self.weight_decay),
            **{name: CategoricalDistribution(list(getattr(self, name))) for name in _CHOICES},
        }

    def as_dict(self) -> dict[str, list]:
        return {k: list(v) for k, v in asdict(self).items()}

    def table(self):
        """One row per setting: its range or choices, how :meth:`suggest` samples it, and whether it varies."""
        import pandas as pd

        how = {"learning_rate": "log-uniform", "warmup_ratio": "uniform", "weight_decay": "uniform"}
        rows = []
        for name, values in self.as_dict().items():
            varies = len(set(values)) > 1
            shown = f"{values[0]:g} to {values[1]:g}" if name in how else ", ".join(map(str, values))
            rows.append(
                (
                    name,
                    shown if varies else f"{values[0]:g}" if name in how else str(values[0]),
                    how.get(name, "one of the choices") if varies else "fixed",
                )
            )
        return pd.DataFrame(rows, columns=["setting", "values", "sampled"]).set_index("setting")


def describe(params: dict[str, Any]) -> str:
    """One configuration on one line."""
    return (
        f"lr={params['learning_rate']:.2e} bs={params['batch_size']} ep={params['epochs']} "
        f"len={params['train_max_length']} {params['truncation']} wu={params['warmup_ratio']:.2f} "
        f"wd={params['weight_decay']:.3f}"
    )
