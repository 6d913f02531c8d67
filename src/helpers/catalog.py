"""The series' one list of models: each model's results key, its role in a label, its kind, the notebook that makes
it and, where the study reported one, the study's model and accuracy. Every table, figure and sentence reads a
model's name and place from here."""

from __future__ import annotations

from dataclasses import dataclass

FOREST, TFIDF, NBSVM = "bow_random_forest", "tfidf_logreg", "nbsvm"
ZERO_SHOT, RECALIBRATED, FINE_TUNED, TUNED = "zero_shot", "zero_shot_recalibrated", "fine_tuned", "tuned"
ENSEMBLE = "ensemble"
STUDY_N = 1_000  # the study's test reviews, the sample behind each of its numbers


@dataclass(frozen=True)
class ModelEntry:
    """One model of the series. A classical model's label is its ``role``; a transformer's is its family (where its
    weights came from: stand-in, DistilBERT, tiny) followed by its ``role``."""

    key: str
    role: str
    kind: str  # "classical", "transformer" or "ensemble"
    notebook: str
    study_model: str | None = None  # the study's model this one stands for
    study_accuracy: float | None = None  # what the study reported for it, on its own STUDY_N reviews


MODELS = (
    ModelEntry(FOREST, "BoW forest", "classical", "02", "bag-of-words RandomForest", 0.84),
    ModelEntry(TFIDF, "TF-IDF + LR", "classical", "02"),
    ModelEntry(NBSVM, "NB-SVM", "classical", "02"),
    ModelEntry(ZERO_SHOT, "zero-shot", "transformer", "03", "DistilBERT SST-2 zero-shot", 0.91),
    ModelEntry(RECALIBRATED, "zero-shot + threshold", "transformer", "03"),
    ModelEntry(FINE_TUNED, "fine-tuned", "transformer", "04", "DistilBERT fine-tuned on IMDB", 0.95),
    ModelEntry(TUNED, "tuned", "transformer", "05"),
    ModelEntry(ENSEMBLE, "ensemble", "ensemble", "06"),
)
BY_KEY = {entry.key: entry for entry in MODELS}
ENSEMBLE_CANDIDATES = (TFIDF, NBSVM)  # notebook 02's tuned models (the forest is the study's baseline)


def entry(key: str) -> ModelEntry | None:
    """The catalog's entry for a results key, or None for a key the series does not know."""
    return BY_KEY.get(key)


def keys(kind: str) -> tuple[str, ...]:
    """The keys of one kind of model, in the series' order."""
    return tuple(e.key for e in MODELS if e.kind == kind)


def study_models() -> dict[str, tuple[str, float]]:
    """Our key → (the study's model, its reported accuracy), for the models that stand where the study's stood."""
    return {e.key: (e.study_model, e.study_accuracy) for e in MODELS if e.study_model is not None}
