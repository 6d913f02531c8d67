"""Notebook 01's readings of the data: the class balance, how long the reviews are against the model's window and
notebook 04's training length, how the two classes' lengths compare, what markup is left, which test reviews
also sit in the training split, and which words carry the evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

from helpers.evaluation import wilson_interval
from helpers.story.phrases import answer  # noqa: F401  (notebook 01 closes with it)

SMALL_AUC = 0.05  # a length that tells the class with an AUC within 0.05 of a coin's says almost nothing


def share_text(count: int, n: int) -> str:
    """``12.3% (95% CI 11.9–12.7%)``: a share with its Wilson interval."""
    low, high = wilson_interval(count, n)
    return f"{count / n:.1%} (95% CI {low:.1%}–{high:.1%})"


def balance_text(balance: pd.DataFrame) -> str:
    """Whether accuracy is a fair headline: each split's positive share (``balance`` from
    :func:`helpers.exploration.split_summary`), and what a constant guess scores."""
    shares = "; ".join(f"{split} {row['positive share']:.1%}" for split, row in balance.iterrows())
    majority = float(np.maximum(balance["positive share"], 1 - balance["positive share"]).max())
    if majority <= 0.51:
        return f"Positive share: {shares}. A constant guess scores {majority:.2f}, so accuracy is a fair headline."
    return (
        f"Positive share: {shares}. A constant guess already scores {majority:.2f}: read every accuracy against"
        " that, or use a measure that weighs both classes."
    )


def length_text(tokens: np.ndarray, labels, budget: int, train_length: int, words=None) -> str:
    """How many reviews the model's window (``budget`` word pieces) and notebook 04's training length cut, each
    share with its interval (``train_length`` counts ``[CLS]`` and ``[SEP]``, as the window does), and how well
    length alone tells the classes apart (the AUC of Mann–Whitney's U: the effect, which a p-value on 25,000
    reviews would not show). ``words``: the same reviews' word counts, for the median in words."""
    tokens, labels = np.asarray(tokens), np.asarray(labels)
    n = len(tokens)
    train_budget = train_length - 2  # word pieces left once [CLS] and [SEP] are added
    over_budget, over_train = int((tokens > budget).sum()), int((tokens > train_budget).sum())
    neg, pos = tokens[labels == 0], tokens[labels == 1]
    auc = mannwhitneyu(pos, neg).statistic / (len(pos) * len(neg))  # P(a positive review is the longer)
    medians = f"medians {np.median(neg):.0f} and {np.median(pos):.0f} word pieces"
    if abs(auc - 0.5) < SMALL_AUC:
        classes = (
            f"Negative and positive reviews are about as long ({medians}; length alone would tell the class"
            f" with an AUC of {auc:.2f}, where 0.50 is a coin): length says almost nothing about the label."
        )
    else:
        classes = (
            f"Negative and positive reviews differ in length ({medians}; length alone tells the class with an"
            f" AUC of {auc:.2f}): a model could lean on length."
        )
    in_words = "" if words is None else f" ({np.median(np.asarray(words)):.0f} words: a word is about"
    in_words += (
        "" if words is None else f" {np.median(tokens) / np.median(np.asarray(words)):.1f} word pieces)"
    )
    return (
        f"The median review has {np.median(tokens):.0f} word pieces{in_words}. {share_text(over_budget, n)} are"
        f" longer than the {budget} a model's window leaves, so what it reads of them depends on how they are cut"
        f" (notebook 03); {share_text(over_train, n)} are longer than the {train_budget} that notebook 04's"
        f" {train_length}-token training window leaves. {classes}"
    )


def markup_text(markup: pd.DataFrame, n_reviews: int) -> str:
    """Which markup matters: the line break's share of reviews, and how rare every other tag or entity is
    (``markup`` from :func:`helpers.exploration.markup_summary`)."""
    breaks = markup[markup["reads as"] == "line break"]
    others = markup[markup["reads as"] != "line break"]
    head = f"`<br />` appears in {share_text(int(breaks['reviews'].max()), n_reviews)} of the reviews"
    if others.empty:
        return head + "; no other markup appears."
    most = int(others["reviews"].max())
    return head + (
        f"; no other tag or entity appears in more than {most:,} of {n_reviews:,}. Cleaning turns the line"
        " breaks into text and the rest hardly matters."
    )


def overlap_text(in_train_full: np.ndarray, in_train_sample: np.ndarray) -> str:
    """How many test reviews also sit, word for word, in the training split: in the full split and in the
    seeded sample every later notebook scores. A model may score those by memory."""
    full, sample = np.asarray(in_train_full, dtype=bool), np.asarray(in_train_sample, dtype=bool)
    text = (
        f"{int(full.sum()):,} of the {len(full):,} test reviews ({full.mean():.1%}) appear word for word in the"
        f" training split; in the {len(sample):,} test reviews the later notebooks score, {int(sample.sum()):,}"
    )
    if not sample.any():
        return text + ", so memory cannot help any model there."
    return text + (
        f": a model could score them by memory, which moves an accuracy on this sample by at most"
        f" {100 * sample.mean():.1f} points."
    )


def words_text(words: pd.DataFrame) -> str:
    """The strongest single-word evidence on each side, and which side's evidence is stronger (``words`` from
    :func:`helpers.exploration.indicative_words`)."""
    neg = words[words["indicates"] == "neg"].sort_values("z_score")
    pos = words[words["indicates"] == "pos"].sort_values("z_score", ascending=False)
    strongest_neg, strongest_pos = -neg["z_score"].iloc[0], pos["z_score"].iloc[0]
    side = "negative" if strongest_neg > strongest_pos else "positive"
    return (
        f"The strongest evidence: *{'*, *'.join(neg['word'].head(3))}* for negative,"
        f" *{'*, *'.join(pos['word'].head(3))}* for positive. The {side} side's is the stronger (|z| up to"
        f" {max(strongest_neg, strongest_pos):.0f} against {min(strongest_neg, strongest_pos):.0f}). These are"
        " differences in how often a word occurs in each class across the corpus, not proof that one word decides"
        " a review; they suggest a bag of words will do well, and notebook 02 measures how well."
    )
