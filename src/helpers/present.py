"""How the notebooks present results: short model labels (:func:`short_label`), numbers in generated prose
(:func:`say`), and tables through :func:`show_table` (from :mod:`helpers.tables`, with :func:`p_text`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers import catalog
from helpers.tables import show_table

# notebook 02 reads its models' labels here (the catalog's roles)
CLASSICAL_LABELS = {key: catalog.BY_KEY[key].role for key in catalog.keys("classical")}


def model_family(source: dict[str, Any] | None) -> str:
    """A transformer's family in two words at most: ``stand-in``, ``DistilBERT``, ``tiny``, or its local name."""
    source = source or {}
    kind, name = source.get("kind", ""), str(source.get("name", ""))
    if kind == "standin":
        return "stand-in"
    if kind == "tiny":
        return "tiny"
    if "distilbert" in name.lower():
        return "DistilBERT"
    return name.split("/")[-1][:24] or kind or "model"


def short_label(record: dict[str, Any]) -> str:
    """The one short, unique label of a results record, used in every table and figure of the series."""
    key = record["model_key"]
    model = catalog.entry(key)
    if model is not None and model.kind == "classical":
        return model.role
    if record.get("label"):
        return record["label"]
    family = model_family(record.get("base_model_source") or record.get("model_source"))
    return f"{family} {model.role if model else key.replace('_', ' ')}"


def provenance_table(results: dict[str, tuple[dict[str, Any], pd.DataFrame]]) -> pd.DataFrame:
    """Each model once, in full: its short label, what it is, and where it came from."""
    rows = []
    for key, (record, _) in results.items():
        rows.append(
            {
                "label": short_label(record),
                "model": record["model"],
                "source": "fine-tuned in this series (a saved checkpoint)"
                if record.get("base_model_source")
                else source_text(record.get("model_source", {})),
                "key": key,
            }
        )
    return pd.DataFrame(rows).set_index("label")


def source_text(source: dict[str, Any]) -> str:
    """Where a model came from, in one line: ``kind: location`` (or its description); an ensemble names its
    members, whose own sources are their rows."""
    if members := source.get("members"):
        return f"{source.get('kind', 'ensemble')} of the saved predictions of {' + '.join(members)}"
    kind, origin = source.get("kind", ""), source.get("location") or source.get("description")
    return f"{kind}: {origin}" if kind and origin else kind or origin or ""


def say(markdown: str) -> None:
    """Show a sentence or paragraph built from the run's numbers as Markdown (the prose of the notebook)."""
    from IPython.display import Markdown, display

    display(Markdown(markdown))


def data_note(results: dict[str, tuple[dict[str, Any], pd.DataFrame]]) -> str:
    """What the compared models were scored on, each distinct sample once: ``IMDB test (bundled copy), n=1,000``."""
    samples = {
        f"IMDB {record['split']} ({record['data_source']['kind']} copy), n={record['n']:,}"
        for record, _ in results.values()
    }
    return "; ".join(sorted(samples))


def example_reviews(
    paired: pd.DataFrame, texts: pd.Series, labels: dict[str, str], ids, limit: int = 3, chars: int = 400
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first ``limit`` of ``ids``: their true label and opening (from ``texts``, indexed by review id; cut at
    ``chars``), and each model's P(positive) to two decimals, one row per model (``labels``: key → label)."""
    ids = list(ids)[:limit]
    reviews = pd.DataFrame(
        {
            "label": paired.loc[ids, "label"],
            "review": [text[:chars] + ("…" if len(text) > chars else "") for text in texts.loc[ids]],
        },
        index=pd.Index(ids, name="review_id"),
    )
    p_pos = pd.DataFrame(
        [[f"{p:.2f}" for p in paired.loc[ids, f"{key}:p_pos"]] for key in labels],
        index=pd.Index(list(labels.values()), name="P(positive)"),
        columns=ids,
    )
    return reviews, p_pos


def decision_labels(
    results: dict[str, tuple[dict[str, Any], pd.DataFrame]], labels: dict[str, str]
) -> dict[str, str]:
    """``labels`` with the threshold of every model that does not call a review positive at P(positive) ≥ 0.5, so a
    table of probabilities shows where each model decides."""
    out = dict(labels)
    for key, (record, _) in results.items():
        threshold = record.get("threshold")
        if key in out and threshold is not None and abs(threshold - 0.5) > 1e-9:
            out[key] = f"{out[key]} (positive at ≥ {threshold:.3f})"
    return out


def show_examples(
    paired: pd.DataFrame, texts: pd.Series, labels: dict[str, str], ids, limit: int = 3
) -> None:
    """Show :func:`example_reviews` (the reviews, then the models' P(positive) for them), or "(none)"."""
    reviews, p_pos = example_reviews(paired, texts, labels, ids, limit)
    if reviews.empty:
        say("(none)")
        return
    show_table(reviews)
    show_table(p_pos, caption="Each model's P(positive) for the reviews above")


SHORT_PARAMS = {  # a search's settings as table headers that fit a notebook rendered 900 px wide
    "learning_rate": "lr",
    "warmup_ratio": "warm-up",
    "weight_decay": "decay",
    "batch_size": "batch",
    "epochs": "epochs",
    "train_max_length": "length",
    "truncation": "trains on",  # the part of a review a trial trains on (every trial reads validation alike)
}


def trials_table(trials: pd.DataFrame, columns: dict[str, str], varying: list[str]) -> pd.DataFrame:
    """A search's trials for display: ``trial``, the ``columns`` renamed (``{column: header}``), then the settings
    in ``varying`` under short headers (fixed settings are said once, not repeated on every row); learning rates
    in one notation (``3.1e-05``), warm-up and decay to two decimals."""
    table = trials[["number", *columns, *varying]].rename(columns={"number": "trial", **columns})
    for param in varying:
        if param == "learning_rate":
            table[param] = [f"{v:.1e}" for v in table[param]]
        elif param in ("warmup_ratio", "weight_decay"):
            table[param] = [f"{v:.2f}" for v in table[param]]
    return table.rename(columns=SHORT_PARAMS)
