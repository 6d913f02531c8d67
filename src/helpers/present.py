"""How the notebooks present results: short model labels (:func:`short_label`), numbers in generated prose
(:func:`say`), and tables through :func:`show_table` (from :mod:`helpers.tables`, with :func:`p_text`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers import catalog
from helpers.ledger import millions, work
from helpers.tables import p_text, show_table

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


def reading_cautions(
    table: pd.DataFrame, results: dict[str, tuple[dict[str, Any], pd.DataFrame]], seed: int
) -> str:
    """The paragraph that says how far a comparison table can be read: its sample size, which models are
    stand-ins, and that one seed was run."""
    half_width = ((table["ci95 high"] - table["ci95 low"]) / 2).median()
    kinds = {r.get("model_source", {}).get("kind") for r, _ in results.values()}
    kinds |= {r.get("base_model_source", {}).get("kind") for r, _ in results.values()}
    parts = [
        f"Read them with these cautions. **n:** with {int(table['n'].median()):,} reviews a 95% interval is about "
        f"±{100 * half_width:.1f} points; smaller differences need the paired test, not a glance at two accuracies."
    ]
    if kinds & {"standin", "tiny"}:
        parts.append(
            "**Stand-in, not DistilBERT:** the transformer rows come from the "
            + ("offline MiniLM stand-in" if "standin" in kinds else "smoke profile's tiny model")
            + "; they test the study's *design* (an SST-2 model, zero-shot, then fine-tuned on IMDB), not its"
            " checkpoint's numbers."
        )
    fine = results.get(catalog.FINE_TUNED, ({}, None))[0]
    classical = results.get(catalog.TFIDF, ({}, None))[0]
    if fine.get("n_train") and classical.get("n_train"):
        parts.append(
            f"**Not the same training data:** the fine-tuned transformer learned from {fine['n_train']:,} reviews"
            f" cut to {fine.get('train_max_length', '?')} tokens, the classical models from {classical['n_train']:,}"
            " whole reviews."
        )
    parts.append(
        f"**One seed:** every model here was trained with seed {seed} on one sample; notebook 04's comparison varies"
        " the learning rate, not the seed, so how much the fine-tuned numbers move with the seed is not measured in"
        " this run."
    )
    return "\n".join(parts)


# The committed notebook 05 calls search_summary, tuned_verdict and search_bought here, with these arguments; the
# readings live in helpers.story.search (imported when called: it loads the statistics).
def search_summary(**kwargs) -> list[str]:
    """:func:`helpers.story.search.search_summary`: the search's best validation score and the retrained winner's
    test accuracy, never set against each other."""
    from helpers.story import search

    return search.search_summary(**kwargs)


def tuned_verdict(comparison: dict[str, Any], **kwargs) -> str:
    """:func:`helpers.story.search.tuned_reading`: the tuned model against notebook 04's on the same test reviews,
    a paired difference with its unadjusted McNemar p; the verdict is notebook 06's."""
    from helpers.story import search

    return search.tuned_reading(comparison, **kwargs)


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


def flips_text(change: str, fixed, broken, true_labels: pd.Series) -> str:
    """How many reviews a ``change`` fixed and broke, each split by true class, in one sentence."""

    def by_class(ids) -> str:
        labels = true_labels.loc[list(ids)]
        neg, pos = int((labels == 0).sum()), int((labels == 1).sum())
        if not len(ids):
            return ""
        if len(ids) == 1:
            return f" (a {'negative' if neg else 'positive'} review)"
        if not pos or not neg:
            return f" (all {len(ids)} {'negative' if neg else 'positive'})"
        return f" ({pos} positive, {neg} negative)"

    reviews = "review" if len(fixed) == 1 else "reviews"
    text = (
        f"{change} fixed {len(fixed)} {reviews}{by_class(fixed)} and broke {len(broken)}{by_class(broken)}."
    )
    fixed_classes, broken_classes = set(true_labels.loc[list(fixed)]), set(true_labels.loc[list(broken)])
    if len(fixed_classes) == len(broken_classes) == 1 and fixed_classes != broken_classes:
        toward = "positive" if fixed_classes == {1} else "negative"
        text += (
            f" Every change goes one way, as a shift of the decision boundary toward {toward} would make it."
        )
    return text


def search_bought(**kwargs) -> list[str]:
    """:func:`helpers.story.search.search_bought`: what the search's minutes bought, with no difference read on
    validation reviews (see :func:`search_summary` for why it lives there)."""
    from helpers.story import search

    return search.search_bought(**kwargs)


def work_sentence(rows: dict[str, dict]) -> str:
    """One sentence on the work the transformer notebooks did, in forward-pass token equivalents (a trained token
    counting 3), from ``{notebook: {"trained", "read"}}`` (:mod:`helpers.ledger`); empty without rows."""
    rows = {name: row for name, row in rows.items() if row.get("trained") or row.get("read")}
    if not rows:
        return ""
    parts = [
        f"{name.split('_')[0]} {millions(work(r['trained'], r['read']))} ({millions(r['trained'])} tokens trained, "
        f"{millions(r['read'])} read)"
        for name, r in rows.items()
    ]
    total = sum(work(r["trained"], r["read"]) for r in rows.values())
    return (
        f"**Work, counted in tokens** (forward-pass equivalents, a trained token counting 3): "
        f"{'; '.join(parts)}; together {millions(total)}."
    )


def budget_sentence(
    rows: dict[str, dict], previous: dict, *, n_train: int | None = None, n_trials: int | None = None
) -> str:
    """This run's work against the previous reference's (:func:`helpers.ledger.previous`), notebook by notebook,
    and the verdict: within the budget, or over it by how much and where the growth went (the fine-tuning reviews
    ``n_train`` and the search's ``n_trials`` against the previous run's)."""

    def cost(row):
        return work(row["trained"], row["read"])

    before = previous["notebooks"]
    rows = {name: row for name, row in rows.items() if name in before}
    total, budget = sum(map(cost, rows.values())), sum(cost(before[name]) for name in rows)
    parts = ", ".join(
        f"{name.split('_')[0]} {millions(cost(r))}/{millions(cost(before[name]))}" for name, r in rows.items()
    )
    head = (
        f"That is {total / budget:.2f}× the previous seed reference's {millions(budget)} (per notebook, now/then:"
        f" {parts})"
    )
    if total <= budget:
        return f"{head}: within its budget."
    grew = [
        f"{name.split('_')[0]} +{millions(cost(r) - cost(before[name]))}"
        for name, r in rows.items()
        if cost(r) > cost(before[name])
    ]
    bought = []
    if n_train and n_train > previous.get("n_train_finetune", n_train):
        bought.append(f"{n_train:,} fine-tuning reviews instead of {previous['n_train_finetune']:,}")
    if n_trials and n_trials > previous.get("search_trials", n_trials):
        bought.append(f"a search of {n_trials} trials instead of {previous['search_trials']}")
    return (
        f"{head}: **over the budget by {millions(total - budget)}** ({', '.join(grew)}). The work budget is what "
        f"this run gave up" + (f", for {' and '.join(bought)}." if bought else ".")
    )


SHORT_PARAMS = {  # a search's settings as table headers that fit a notebook rendered 900 px wide
    "learning_rate": "lr",
    "warmup_ratio": "warm-up",
    "weight_decay": "decay",
    "batch_size": "batch",
    "epochs": "epochs",
    "train_max_length": "length",
    "truncation": "reads",
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


def significance_statements(tests: pd.DataFrame, names: dict[str, str], alpha: float = 0.05) -> list[str]:
    """Plain sentences for each McNemar test: which model is better on these reviews, or that the data cannot tell.

    With a ``Holm p value`` column (:func:`pairwise_mcnemar`) the verdict follows the Holm-adjusted p-value, and
    both are given; without it, the raw one."""
    sentences = []
    for _, row in tests.iterrows():
        a, b = names.get(row["model A"], row["model A"]), names.get(row["model B"], row["model B"])
        side_a = (a, row["accuracy A"], row["only A right"])
        side_b = (b, row["accuracy B"], row["only B right"])
        adjusted = row.get("Holm p value")
        decisive = row["p value"] if adjusted is None or pd.isna(adjusted) else adjusted
        significant = decisive < alpha
        if significant and side_b[2] > side_a[2]:
            side_a, side_b = (
                side_b,
                side_a,
            )  # the sentence names the better model first, and so do its numbers
        p_part = f"McNemar p = {p_text(row['p value'])}"
        if decisive is not row["p value"]:
            p_part += f", Holm-adjusted {p_text(adjusted)}"
        numbers = (
            f"{side_a[1]:.3f} vs {side_b[1]:.3f}; {side_a[2]} vs {side_b[2]} reviews only one of them gets right; "
            f"{p_part}, n = {row['n']:,}"
        )
        if significant:
            sentences.append(f"{side_a[0]} is more accurate than {side_b[0]} ({numbers}).")
        else:
            sentences.append(f"{a} and {b}: no significant difference at α = {alpha} ({numbers}).")
    return sentences
