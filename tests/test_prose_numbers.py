"""Every number in the generated sentences of notebooks 04, 05 and 06 is the one ``results/seed/`` records.

The sentences are read back from the committed notebooks' markdown outputs, number by number, each tied to the
model the sentence names (by its short label) and compared with that model's results file at the precision the
sentence prints. The expected values are always read from the results files (and, for paired counts and McNemar
p-values, computed from the predictions files), never written here: the notebooks can be re-executed and this
test still holds. One test per kind of claim; each also requires that every one of its patterns matched a
sentence, so a sentence that stops matching its pattern fails instead of passing on nothing.
"""

from __future__ import annotations

import re
from itertools import combinations

import pytest
from support.prose import (
    ACC,
    COUNT,
    PVALUE,
    SIGNED,
    Claims,
    keys_by_label,
    label_pattern,
    mcnemar,
    mcnemar_exact,
    percent,
    points,
    statements,
)

from helpers.paths import REPO_ROOT
from helpers.results_files import load_results
from helpers.tables import p_text

PROFILE = "seed"
SEED_RESULTS = REPO_ROOT / "results" / PROFILE
NOTEBOOKS = ("04", "05", "06")
# a sentence that names no model speaks of the notebook's own: 04 fine-tunes, 05 tunes
OWN_MODEL = {"04": "fine_tuned", "05": "tuned"}
ACC_POINTS = r"(\d+\.\d)"  # an unsigned difference in points: 4.3


@pytest.fixture(scope="module")
def results():
    loaded = load_results(PROFILE, folder=SEED_RESULTS, required=False)
    if not loaded:
        pytest.fail(f"no committed results in {SEED_RESULTS.relative_to(REPO_ROOT)}")
    return loaded


@pytest.fixture(scope="module")
def sentences():
    found = {}
    for prefix in NOTEBOOKS:
        (path,) = sorted((REPO_ROOT / "notebooks").glob(f"{prefix}_*.ipynb"))
        found[prefix] = statements(path)
    return found


@pytest.fixture(scope="module")
def label(results):
    return label_pattern(results)


@pytest.fixture(scope="module")
def model(results):
    """The results record a printed short label names."""
    keys = keys_by_label(results)
    return lambda printed: results[keys[printed]][0]


def each(claims: Claims, sentences, notebooks, pattern):
    """Every match of ``pattern`` in the sentences of ``notebooks``, counted in ``claims.matches`` (a pattern that
    matches nothing fails :func:`verdict`)."""
    claims.matches.setdefault(pattern, 0)
    for notebook in notebooks:
        for sentence in sentences[notebook]:
            for match in re.finditer(pattern, sentence):
                claims.matches[pattern] += 1
                yield notebook, sentence, match


def named_before(sentence, position, label):
    """The last model label in ``sentence`` before ``position``, or None."""
    names = [m.group(0) for m in re.finditer(label, sentence[:position])]
    return names[-1] if names else None


def verdict(claims: Claims, notebooks) -> None:
    assert not claims.wrong, (
        "numbers in the notebooks' sentences disagree with results/seed:\n" + claims.report()
    )
    missing = [n for n in notebooks if not claims.found[n]]
    assert not missing, f"no sentence of notebook(s) {missing} was read for this claim (reworded?)"
    unread = [pattern for pattern, count in claims.matches.items() if not count]
    assert not unread, "no sentence matches these patterns (reworded?):\n" + "\n".join(unread)


# ----------------------------------------------------------------------------------------------- accuracies
def test_accuracy_and_interval(sentences, results, label, model):
    """ "<model> … 0.907 (95% CI 0.887–0.923)": the model's accuracy and Wilson interval (or, followed by "with the
    scores masked", its score-masking variant's); a sentence that names no model speaks of the notebook's own."""
    claims = Claims()
    pattern = rf"\**{ACC}\** \(95% CI {ACC}–{ACC}\)(?P<masked> with the scores masked)?"
    for notebook, sentence, m in each(claims, sentences, NOTEBOOKS, pattern):
        name = named_before(sentence, m.start(), label)
        record = model(name) if name else results[OWN_MODEL[notebook]][0]
        who = name or OWN_MODEL[notebook]
        if m.group("masked"):
            record, who = record["score_masking"], f"{who} (scores masked)"
        low, high = record["accuracy_ci95"]
        claims.value(notebook, sentence, f"{who} accuracy", m.group(1), record["accuracy"])
        claims.value(notebook, sentence, f"{who} CI low", m.group(2), low)
        claims.value(notebook, sentence, f"{who} CI high", m.group(3), high)
    verdict(claims, NOTEBOOKS)


def test_accuracy_beside_a_model(sentences, label, model):
    """A test accuracy printed right beside the model's name: "<model> scores **0.907**", "<model> scored 0.868",
    "**<model>**: (test) accuracy 0.916", "<model>: 0.917 as trained", "<model> 0.858 here:" (06's study lines),
    "0.858 (<model>)" (06's accuracy figure)."""
    claims = Claims()
    NAMED_ACC = r"(?P<acc>\d\.\d+)"  # noqa: N806
    patterns = [
        rf"(?P<m>{label}) (?:scores|scored) \**{NAMED_ACC}\**",
        rf"\*\*(?P<m>{label})\*\*: (?:test )?accuracy {NAMED_ACC}",
        rf"(?P<m>{label}): {NAMED_ACC} as trained",
        rf"(?P<m>{label}) {NAMED_ACC} here:",
        rf"{NAMED_ACC} \((?P<m>{label})\)",
    ]
    for pattern in patterns:
        for notebook, sentence, m in each(claims, sentences, NOTEBOOKS, pattern):
            claims.value(notebook, sentence, f"{m['m']} accuracy", m["acc"], model(m["m"])["accuracy"])
    verdict(claims, ["04", "06"])  # 05 names its own model once, in the answer


def _holm_by_pair(results) -> dict[frozenset, tuple[str, float]]:
    """Every pair's McNemar p as printed and its Holm-adjusted p, computed here from the predictions files."""
    from statsmodels.stats.multitest import multipletests

    pairs = list(combinations(results, 2))
    raw = [
        mcnemar_exact(results[a][1]["label"], results[a][1]["pred"], results[b][1]["pred"]) for a, b in pairs
    ]
    # Holm on the unrounded p: on the printed (rounded) one a value near a rounding edge prints differently
    adjusted = multipletests([r[2] for r in raw], method="holm")[1]
    return {frozenset(pair): (p_text(r[2]), q) for pair, r, q in zip(pairs, raw, adjusted, strict=True)}


def _paired_normal_interval(results, a: str, b: str) -> tuple[float, float, float]:
    """A's accuracy minus B's on the same reviews, in points, with the paired normal 95% interval."""
    import numpy as np

    pa, pb = results[a][1].set_index("review_id"), results[b][1].set_index("review_id")
    right_a, right_b = pa["pred"] == pa["label"], (pb["pred"] == pb["label"]).reindex(pa.index)
    n = len(pa)
    only_a, only_b = int((right_a & ~right_b).sum()), int((~right_a & right_b).sum())
    diff = (only_a - only_b) / n
    half = 1.96 * np.sqrt((only_a + only_b) / n**2 - (only_a - only_b) ** 2 / n**3)
    return 100 * diff, 100 * (diff - half), 100 * (diff + half)


def test_paired_comparisons(sentences, results, label, model):
    """06's list of the pairs the series' rule tells apart, "- <A> is more accurate than <B> by +d points (lo to
    hi) · …": each difference from the predictions files, each interval within half a point of the paired
    normal interval, each listed pair's Holm-adjusted McNemar p (computed here over every pair) below 0.05, and
    the head's counts of pairs and of pairs told apart."""
    claims = Claims()
    holm = _holm_by_pair(results)
    listed = set()  # the list appears twice: after the pairs table and in the findings
    bullet = rf"^- (?P<a>{label}) is more accurate than (?P<rest>(?:{label}) by .*)\.$"
    for notebook, sentence, m in each(claims, sentences, ["06"], bullet):
        for part in re.finditer(rf"(?P<b>{label}) by {SIGNED} points \({SIGNED} to {SIGNED}\)", m["rest"]):
            a, b = model(m["a"])["model_key"], model(part["b"])["model_key"]
            listed.add(frozenset((a, b)))
            diff, low, high = _paired_normal_interval(results, a, b)
            what = f"{m['a']} vs {part['b']}"
            claims.check(notebook, sentence, f"{what}: points", part.group(2), f"{diff:+.1f}")
            for name, printed, expected in (("low", part.group(3), low), ("high", part.group(4), high)):
                near = abs(float(printed) - expected) <= 0.5
                claims.check(
                    notebook,
                    sentence,
                    f"{what}: interval {name} near {expected:+.1f}",
                    "ok" if near else printed,
                    "ok",
                )
            claims.check(
                notebook, sentence, f"{what}: Holm p < 0.05", str(holm[frozenset((a, b))][1] < 0.05), "True"
            )
    told_apart = sum(q < 0.05 for _, q in holm.values())
    head = rf"McNemar's test on each of the {COUNT} pairs of models, .*?: {COUNT} pairs are told apart"
    for notebook, sentence, m in each(claims, sentences, ["06"], head):
        claims.value(notebook, sentence, "pairs of models", m.group(1), len(holm))
        claims.value(notebook, sentence, "pairs told apart", m.group(2), told_apart)
        claims.value(notebook, sentence, "pairs listed", m.group(2), len(listed))
    verdict(claims, ["06"])


def test_mcnemar_sentences(sentences, results, label, model):
    """06's verdicts on one pair, "<A> and <B> cannot be told apart (a against b, +d points, 95% paired interval …; McNemar p = …;
    Holm-adjusted over the series' N pairs: p = …)" or "<A> is more accurate than <B> (…)": accuracies, the
    difference, McNemar's p and Holm's from the predictions files."""
    claims = Claims()
    pair = (
        rf"(?P<a>{label}) (?:and (?P<b1>{label}) cannot be told apart|is more accurate than (?P<b2>{label})) "
        rf"\({ACC} against {ACC}, {SIGNED} points, 95% paired interval [^;]*; McNemar p = {PVALUE}; "
        rf"Holm-adjusted over the series' {COUNT} pairs: p = {PVALUE}\)"
    )
    holm = _holm_by_pair(results)
    for notebook, sentence, m in each(claims, sentences, ["06"], pair):
        a, b = model(m["a"]), model(m["b1"] or m["b2"])
        what = f"{m['a']} vs {m['b1'] or m['b2']}"
        p, q = holm[frozenset((a["model_key"], b["model_key"]))]
        claims.value(notebook, sentence, f"{m['a']} accuracy", m.group(4), a["accuracy"])
        claims.value(notebook, sentence, f"{what}: other accuracy", m.group(5), b["accuracy"])
        claims.check(notebook, sentence, f"{what}: points", m.group(6), points(a["accuracy"] - b["accuracy"]))
        claims.check(notebook, sentence, f"{what}: McNemar p", m.group(7), p)
        claims.value(notebook, sentence, "pairs", m.group(8), len(holm))
        claims.check(notebook, sentence, f"{what}: Holm p", m.group(9), p_text(q))
    verdict(claims, ["06"])


def test_score_masking(sentences, results, label, model):
    """06: "<model>: a as trained, m (95% CI …) with the scores masked …, ±d points, … (McNemar p = …)" —
    the difference and p-value recorded under ``score_masking``, and "k of N test reviews state …"."""
    claims = Claims()
    masked = (
        rf"(?P<m>{label}): {ACC} as trained, {ACC} \(95% CI [^)]*\) with the scores masked in training and "
        rf"test, {SIGNED} points, [^(]*\(McNemar p = {PVALUE}, unadjusted\)"
    )
    for notebook, sentence, m in each(claims, sentences, ["06"], masked):
        record = model(m["m"])
        masking = record["score_masking"]
        change = points(masking["accuracy"] - record["accuracy"])
        claims.check(notebook, sentence, f"{m['m']} masked − trained", m.group(4), change)
        claims.check(notebook, sentence, f"{m['m']} masking p", m.group(5), p_text(masking["p_value"]))
    maskings = [r["score_masking"] for r, _ in results.values() if "score_masking" in r]
    for notebook, sentence, m in each(claims, sentences, ["06"], rf"{COUNT} of {COUNT} test reviews state"):
        for masking in maskings:
            claims.value(notebook, sentence, "reviews stating a score", m.group(1), masking["n_stating"])
            claims.value(notebook, sentence, "test reviews", m.group(2), masking["n"])
    verdict(claims, ["06"])


# ----------------------------------------------------------------------------------------------- review counts
def test_review_counts(sentences, results, label, model):
    """How many reviews a sentence says a model was tested, trained or validated on: ``n``, ``n_train``,
    ``n_validation``, the learning-rate comparison's and the search's subsets."""
    claims = Claims()
    fine, tuned = results["fine_tuned"][0], results["tuned"][0]
    search = tuned["search"]
    rules = [
        (
            ["04"],
            rf"^Fine-tuning on {COUNT} training reviews \(the learning rates are compared on {COUNT} of them\); "
            rf"validation {COUNT} reviews, .*; test {COUNT} reviews",
            lambda r: [
                ("n_train", fine["n_train"]),
                ("n_train_lr_comparison", fine["n_train_lr_comparison"]),
                ("n_validation", fine["n_validation"]),
                ("test n", fine["n"]),
            ],
        ),
        (
            ["05"],
            rf"^Search: {COUNT} training and {COUNT} validation reviews, subsets of notebook 04's {COUNT} and "
            rf"{COUNT}, .*test: {COUNT} reviews",
            lambda r: [
                ("search n_train", search["n_train"]),
                ("search n_validation", search["n_validation"]),
                ("fine_tuned n_train", fine["n_train"]),
                ("fine_tuned n_validation", fine["n_validation"]),
                ("test n", tuned["n"]),
            ],
        ),
        (
            ["05"],
            rf"retrained on {COUNT} reviews instead of {COUNT}",
            lambda r: [("tuned n_train", tuned["n_train"]), ("search n_train", search["n_train"])],
        ),
        (
            ["05"],
            rf"Both trained on the same {COUNT} reviews",
            lambda r: [("tuned n_train", tuned["n_train"])],
        ),
        (
            ["05"],
            rf"Both trained on the same {COUNT} reviews",
            lambda r: [("fine_tuned n_train", fine["n_train"])],
        ),
        (
            ["05"],
            rf"Test accuracy {ACC}\*\* \(95% CI [^)]*\), n = {COUNT}",
            lambda r: [("tuned accuracy", tuned["accuracy"]), ("tuned n", tuned["n"])],
        ),
        (
            ["06"],
            rf"\*\*(?P<m>{label})\*\*: accuracy {ACC} on {COUNT} reviews",
            lambda r: [("accuracy", r["accuracy"]), ("n", r["n"])],
        ),
    ]
    for notebooks, pattern, expected in rules:
        for notebook, sentence, m in each(claims, sentences, notebooks, pattern):
            name = m.groupdict().get("m") or named_before(sentence, m.start(), label)
            record = model(name) if name else results[OWN_MODEL.get(notebook, "fine_tuned")][0]
            printed = [g for i, g in enumerate(m.groups(), 1) if i not in _named_indices(m)]
            values = expected(record)
            for text, (what, value) in zip(printed, values, strict=True):
                claims.value(notebook, sentence, what, text, value)
    for notebook, sentence, m in each(claims, sentences, ["06"], rf"On IMDB test \([^)]*\), n={COUNT}"):
        for key, (record, _) in results.items():
            claims.value(notebook, sentence, f"{key} n", m.group(1), record["n"])
    verdict(claims, NOTEBOOKS)


def _named_indices(match) -> set[int]:
    return {match.re.groupindex[name] for name in match.re.groupindex}


# ----------------------------------------------------------------------------------------------- notebook 04
def test_learning_rates(sentences, results):
    """04: "On the same N validation reviews, <rate> scores a; its margin over <rate> +d points (…) · …": the
    chosen rate, its validation accuracy and each margin as ``learning_rate``, ``n_validation`` and
    ``learning_rate_search`` record them (the intervals need the validation predictions, which results do not
    keep)."""
    claims = Claims()
    fine = results["fine_tuned"][0]
    by_rate = {float(row["learning rate"]): row["val accuracy"] for row in fine["learning_rate_search"]}
    rate = r"(\d(?:\.\d+)?e-\d+)"
    chosen = rf"On the same {COUNT} validation reviews, {rate} scores {ACC}; its margin (?P<rest>.*)"
    for notebook, sentence, m in each(claims, sentences, ["04"], chosen):
        claims.value(notebook, sentence, "n_validation", m.group(1), fine["n_validation"])
        claims.check(
            notebook, sentence, "learning_rate", str(float(m.group(2))), str(float(fine["learning_rate"]))
        )
        best = by_rate.get(float(m.group(2)))
        claims.value(notebook, sentence, "chosen rate's val accuracy", m.group(3), best)
        margins = re.findall(rf"over {rate} {SIGNED} points", m["rest"])
        claims.check(
            notebook,
            sentence,
            "rates compared",
            str(sorted([float(m.group(2))] + [float(r) for r, _ in margins])),
            str(sorted(by_rate)),
        )
        for other, printed in margins:
            claims.check(
                notebook, sentence, f"margin over {other}", printed, points(best - by_rate[float(other)])
            )
    curve = rf"Validation accuracy after each evaluation of the run: ((?:{ACC}, )*{ACC})\."
    for notebook, sentence, m in each(claims, sentences, ["04"], curve):
        best = max(float(v) for v in m.group(1).split(", "))
        claims.value(
            notebook, sentence, "best of the curve", f"{best:.3f}", fine["learning_curve"][-1]["val_accuracy"]
        )
    verdict(claims, ["04"])


def test_gains_in_points(sentences, results, label, model):
    """Paired differences on the same test reviews, from the predictions files: "<A> a against <B> b on the same
    N reviews: +d points, 95% paired interval lo to hi, … (McNemar p = …" (04's gain over zero-shot), 05's
    "Against notebook 04's <B> (b): the tuned model scores a on the same N test reviews, +d points, …; McNemar
    p = …", 04's gain by class, and 04's "<model> calls x positive reviews negative and y negative reviews
    positive"; each interval within half a point of the paired normal interval."""
    claims = Claims()

    def pair(notebook, sentence, a, b, n, diff, low, high, p_value):
        key_a, key_b = model(a)["model_key"] if a in labels else a, model(b)["model_key"]
        preds_a, preds_b = results[key_a][1], results[key_b][1]
        claims.value(notebook, sentence, f"{a} vs {b}: n", n, len(preds_a))
        expected, lo, hi = _paired_normal_interval(results, key_a, key_b)
        claims.check(notebook, sentence, f"{a} − {b}: points", diff, f"{expected:+.1f}")
        for name, printed, value in (("low", low, lo), ("high", high, hi)):
            near = abs(float(printed) - value) <= 0.5
            claims.check(
                notebook, sentence, f"{a} − {b}: {name} near {value:+.1f}", "ok" if near else printed, "ok"
            )
        if p_value is not None:  # a sentence that gives the interval alone
            claims.check(
                notebook,
                sentence,
                f"{a} vs {b}: McNemar p",
                p_value,
                mcnemar(preds_a["label"], preds_a["pred"], preds_b["pred"])[2],
            )

    labels = set(keys_by_label(results))
    plain = (
        rf"(?P<a>{label}) {ACC} against (?P<b>{label}) {ACC} on the same {COUNT} reviews: {SIGNED} points, 95% "
        rf"paired interval {SIGNED} to {SIGNED}, [^(]*\([^;]*; McNemar p = {PVALUE}"
    )
    for notebook, sentence, m in each(claims, sentences, ["04"], plain):
        claims.value(notebook, sentence, f"{m['a']} accuracy", m.group(2), model(m["a"])["accuracy"])
        claims.value(notebook, sentence, f"{m['b']} accuracy", m.group(4), model(m["b"])["accuracy"])
        pair(notebook, sentence, m["a"], m["b"], m.group(5), m.group(6), m.group(7), m.group(8), m.group(9))
    against = (
        rf"Against notebook 04's (?P<b>{label})\*\* \({ACC}\): the tuned model scores {ACC} on the same {COUNT} "
        rf"test reviews, {SIGNED} points, 95% paired interval {SIGNED} to {SIGNED}; McNemar p = {PVALUE}"
    )
    for notebook, sentence, m in each(claims, sentences, ["05"], against):
        claims.value(notebook, sentence, f"{m['b']} accuracy", m.group(2), model(m["b"])["accuracy"])
        claims.value(notebook, sentence, "tuned accuracy", m.group(3), results["tuned"][0]["accuracy"])
        pair(notebook, sentence, "tuned", m["b"], m.group(4), m.group(5), m.group(6), m.group(7), m.group(8))
    answer = (
        rf"\*\*[^*]+:\*\* the tuned model scores {ACC} against (?P<b>{label})'s {ACC} on the same {COUNT} test "
        rf"reviews, {SIGNED} points, 95% paired interval {SIGNED} to {SIGNED}"
    )
    for notebook, sentence, m in each(claims, sentences, ["05"], answer):
        claims.value(notebook, sentence, "tuned accuracy", m.group(1), results["tuned"][0]["accuracy"])
        claims.value(notebook, sentence, f"{m['b']} accuracy", m.group(3), model(m["b"])["accuracy"])
        pair(notebook, sentence, "tuned", m["b"], m.group(4), m.group(5), m.group(6), m.group(7), None)
    by_class = rf"(?P<a>{label}) minus (?P<b>{label}) by class, [^:]*: negative \({COUNT}\) {SIGNED} points [^;]*; positive \({COUNT}\) {SIGNED} points"
    for notebook, sentence, m in each(claims, sentences, ["04", "05"], by_class):
        preds_a, preds_b = results[model(m["a"])["model_key"]][1], results[model(m["b"])["model_key"]][1]
        right_a = (preds_a["pred"] == preds_a["label"]).to_numpy()
        right_b = (
            preds_b.set_index("review_id").reindex(preds_a["review_id"])["pred"].to_numpy()
            == preds_a["label"].to_numpy()
        )
        for cls, n_group, printed in ((0, 3, 4), (1, 5, 6)):
            mask = (preds_a["label"] == cls).to_numpy()
            claims.value(notebook, sentence, f"class {cls} reviews", m.group(n_group), int(mask.sum()))
            claims.check(
                notebook,
                sentence,
                f"class {cls} gain",
                m.group(printed),
                points(right_a[mask].mean() - right_b[mask].mean()),
            )
    errors = rf"(?P<m>{label}) calls {COUNT} positive reviews negative and {COUNT} negative reviews positive"
    for notebook, sentence, m in each(claims, sentences, ["04"], errors):
        preds = results[model(m["m"])["model_key"]][1]
        pos_as_neg = int(((preds["label"] == 1) & (preds["pred"] == 0)).sum())
        neg_as_pos = int(((preds["label"] == 0) & (preds["pred"] == 1)).sum())
        claims.value(notebook, sentence, f"{m['m']} positive called negative", m.group(2), pos_as_neg)
        claims.value(notebook, sentence, f"{m['m']} negative called positive", m.group(3), neg_as_pos)
    verdict(claims, ["04", "05"])


# ----------------------------------------------------------------------------------------------- notebook 05
def test_search_counts(sentences, results):
    """05: trials, their states, the best trial and its score, the settings searched, the search's training
    time, as ``search`` in tuned.json records them."""
    claims = Claims()
    tuned = results["tuned"][0]
    search = tuned["search"]
    states = search["states"]
    finished = states.get("COMPLETE", 0) + states.get("PRUNED", 0)
    rules = [
        (
            rf"^{COUNT} trials in study `([^`]+)` \((\w+), ([^)]+)\): {COUNT} complete, {COUNT} pruned, {COUNT} failed",
            [
                ("n_trials", search["n_trials"]),
                ("study_name", search["study_name"]),
                ("backend", search["backend"]),
                ("storage", search["storage"]),
                ("COMPLETE", states.get("COMPLETE", 0)),
                ("PRUNED", states.get("PRUNED", 0)),
                ("FAIL", states.get("FAIL", 0)),
            ],
        ),
        (
            r"every trial together ([\d.]+) min of training",
            [("trial minutes", search["trial_seconds_total"] / 60)],
        ),
        (
            rf"[Tt]he winner, trial {COUNT}, is",
            [("best_trial", search["best_trial"])],
        ),
        (
            rf"^{COUNT} of {COUNT} trials were pruned",
            [("PRUNED", states.get("PRUNED", 0)), ("n_trials", search["n_trials"])],
        ),
        (
            rf"ran {COUNT} trials \({COUNT} pruned\) on {COUNT} training reviews",
            [
                ("n_trials", search["n_trials"]),
                ("PRUNED", states.get("PRUNED", 0)),
                ("search n_train", search["n_train"]),
            ],
        ),
        (
            rf"best validation accuracy, {ACC}, is the highest of {COUNT} complete trials' values on the same {COUNT} "
            "validation reviews",
            [
                ("best_val_accuracy", search["best_val_accuracy"]),
                ("COMPLETE", states.get("COMPLETE", 0)),
                ("search n_validation", search["n_validation"]),
            ],
        ),
        (  # the time box's sentence or the budget's: the same count of who proposed the trials that ran
            rf"\({COUNT} random start-up trials and {COUNT} of the sampler's own proposals\)",
            [
                ("start-up trials run", min(finished, search["startup_trials"])),
                ("proposals run", finished - min(finished, search["startup_trials"])),
            ],
        ),
        (
            rf"The budget ended the search: all {COUNT} trials ran",
            [("n_trials_budget", search["n_trials_budget"])],
        ),
        (rf"No importances: {COUNT} complete trial", [("COMPLETE", states.get("COMPLETE", 0))]),
        (
            rf"^Trained again: validation accuracy {ACC} on notebook 04's {COUNT} validation reviews \(the search's best: {ACC} on its {COUNT}\), ([\d.]+) min of training",
            [
                ("tuned val_accuracy", tuned["val_accuracy"]),
                ("tuned n_validation", tuned["n_validation"]),
                ("best_val_accuracy", search["best_val_accuracy"]),
                ("search n_validation", search["n_validation"]),
                ("tuned train minutes", tuned["train_seconds"] / 60),
            ],
        ),
        (
            rf"its best trial reached {ACC} on its {COUNT} validation reviews",
            [
                ("best_val_accuracy", search["best_val_accuracy"]),
                ("search n_validation", search["n_validation"]),
            ],
        ),
        (
            rf"the winner scores {ACC} on its {COUNT} validation reviews against {ACC}",
            [
                ("tuned val_accuracy", tuned["val_accuracy"]),
                ("tuned n_validation", tuned["n_validation"]),
                ("fine_tuned val accuracy", results["fine_tuned"][0]["learning_curve"][-1]["val_accuracy"]),
            ],
        ),
    ]
    for pattern, expected in rules:
        for notebook, sentence, m in each(claims, sentences, ["05"], pattern):
            for text, (what, value) in zip(m.groups(), expected, strict=True):
                if isinstance(value, str):
                    claims.check(notebook, sentence, what, text, value)
                else:
                    claims.value(notebook, sentence, what, text, value)
    verdict(claims, ["05"])


# ----------------------------------------------------------------------------------------------- notebook 06
def test_recalibration(sentences, results, label, model):
    """06: "A threshold of t on P(positive), chosen on N validation reviews, moves <model> from a to b; the
    threshold recovers r% (95% interval …) of fine-tuning's gain over zero-shot (+d points, …)" —
    zero_shot_recalibrated.json's threshold and accuracy against zero-shot's and fine-tuned's."""
    claims = Claims()
    recal, fine = results["zero_shot_recalibrated"][0], results["fine_tuned"][0]
    pattern = (
        rf"A threshold of {ACC} on P\(positive\), chosen on {COUNT} validation reviews, moves (?P<m>{label}) from "
        rf"{ACC} to {ACC}; the threshold recovers (\d+)% \(95% interval (\d+)% to (\d+)%\) of fine-tuning's gain "
        rf"over zero-shot \({SIGNED} points"
    )
    for notebook, sentence, m in each(claims, sentences, ["06"], pattern):
        base = model(m["m"])
        claims.value(notebook, sentence, "threshold", m.group(1), recal["threshold"])
        claims.value(notebook, sentence, "n_validation", m.group(2), recal["n_validation"])
        claims.value(notebook, sentence, f"{m['m']} accuracy", m.group(4), base["accuracy"])
        claims.value(notebook, sentence, "recalibrated accuracy", m.group(5), recal["accuracy"])
        gain, full = recal["accuracy"] - base["accuracy"], fine["accuracy"] - base["accuracy"]
        claims.check(notebook, sentence, "share recovered %", m.group(6), percent(gain / full))
        inside = int(m.group(7)) <= int(m.group(6)) <= int(m.group(8))
        claims.check(notebook, sentence, "share inside its interval", str(inside), "True")
        claims.check(notebook, sentence, "fine-tuning's gain", m.group(9), points(full))
    verdict(claims, ["06"])


def _all_training_seconds(record, results) -> float:
    """Every second of training a result needed, read from the results files: notebook 04's learning-rate runs,
    notebook 05's search, an ensemble's members."""
    if record.get("members"):
        return sum(_all_training_seconds(results[key][0], results) for key in record["members"])
    seconds = record.get("all_runs_train_seconds") or record.get("train_seconds") or 0
    return seconds + record.get("search", {}).get("trial_seconds_total", 0)


def test_frontier(sentences, results, label, model):
    """06: "<model> (a, s s)" on the cost frontier — accuracy, and seconds = every second of training the result
    needed + prediction seconds."""
    claims = Claims()
    for notebook, sentence, m in each(claims, sentences, ["06"], rf"(?P<m>{label}) \({ACC}, ([\d.,]+) s\)"):
        record = model(m["m"])
        claims.value(notebook, sentence, f"{m['m']} accuracy", m.group(2), record["accuracy"])
        seconds = _all_training_seconds(record, results) + record["predict_seconds"]
        claims.value(notebook, sentence, f"{m['m']} seconds", m.group(3), seconds)
    verdict(claims, ["06"])


def test_learning_curves(sentences, label, model):
    """06: "<model> goes from a on n0 reviews to b on n1" — the first and last points of the model's
    ``learning_curve``; "still gaining" only where the best point is the last."""
    claims = Claims()
    pattern = rf"(?P<m>{label}) goes from {ACC} on {COUNT} reviews to {ACC} on {COUNT}(?P<gaining>, and was still gaining)?"
    for notebook, sentence, m in each(claims, sentences, ["06"], pattern):
        curve = model(m["m"])["learning_curve"]
        claims.value(notebook, sentence, f"{m['m']} first point", m.group(2), curve[0]["val_accuracy"])
        claims.value(notebook, sentence, f"{m['m']} first n_train", m.group(3), curve[0]["n_train"])
        claims.value(notebook, sentence, f"{m['m']} last point", m.group(4), curve[-1]["val_accuracy"])
        claims.value(notebook, sentence, f"{m['m']} last n_train", m.group(5), curve[-1]["n_train"])
        best_is_last = curve[-1]["val_accuracy"] == max(p["val_accuracy"] for p in curve)
        if m["gaining"]:
            claims.check(notebook, sentence, f"{m['m']} best is the last point", str(best_is_last), "True")
    verdict(claims, ["06"])


def test_negative_precision(sentences, label, model):
    """06: "precision on negative reviews a for <A>, b for <B>" — each model's ``classification_report``."""
    claims = Claims()
    pattern = rf"precision on negative reviews {ACC} for (?P<a>{label}), {ACC} for (?P<b>{label})"
    for notebook, sentence, m in each(claims, sentences, ["06"], pattern):
        claims.value(
            notebook,
            sentence,
            f"{m['a']} neg precision",
            m.group(1),
            model(m["a"])["classification_report"]["neg"]["precision"],
        )
        claims.value(
            notebook,
            sentence,
            f"{m['b']} neg precision",
            m.group(3),
            model(m["b"])["classification_report"]["neg"]["precision"],
        )
    verdict(claims, ["06"])
