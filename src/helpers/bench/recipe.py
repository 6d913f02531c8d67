"""The recipe check: a recipe change (dropout) must keep validation accuracy within the previous default's interval
after the same steps, through the real ``training.finetune``."""

from __future__ import annotations

from helpers.bench.training import PREVIOUS_DEFAULT
from helpers.specs import TrainingRun

RECIPES = (  # (method, attention dropout, hidden dropout); None keeps the checkpoint's own
    (PREVIOUS_DEFAULT, None, None),
    ("attention dropout 0 only", 0.0, None),
    ("all dropout 0 (the new default's recipe)", 0.0, 0.0),
)


def bench_recipe(
    model,
    tokenizer,
    imdb_train,
    *,
    reviews: int,
    validation: int,
    max_length: int,
    seed: int = 42,
    device=None,
) -> list[dict]:
    """``training.finetune`` with the previous default (the checkpoint's dropout), attention dropout 0 only and the
    new default (no dropout at all), on the same reviews for the same steps: wall time and validation accuracy with its 95%
    Wilson interval (a recipe change must stay within the previous default's interval)."""
    from helpers.data import stratified_sample

    pool = stratified_sample(imdb_train, reviews + validation, seed)
    held_out = set(stratified_sample(pool, validation, seed + 1)["review_id"])
    train = pool.filter(lambda row: row["review_id"] not in held_out)
    test = pool.filter(lambda row: row["review_id"] in held_out)
    rows = []
    for method, dropout, hidden in RECIPES:
        run = TrainingRun(
            learning_rate=2e-5,
            max_length=max_length,
            batch_size=16,
            n_evals=1,
            seed=seed,
            attention_dropout=dropout,
            hidden_dropout=hidden,
            device=device,
        )
        rows.append(_recipe_row(method, model, tokenizer, (train, test), run, reviews, validation))
    return rows


def _recipe_row(method: str, model, tokenizer, split, run, reviews: int, validation: int) -> dict:
    """One recipe through ``training.finetune`` (``split``: its train and validation reviews) in a temporary
    folder: its row, printed as it comes."""
    import tempfile

    from helpers.evaluation import wilson_interval
    from helpers.training import finetune

    with tempfile.TemporaryDirectory() as folder:
        fit = finetune(model, tokenizer, *split, run, output_dir=folder, progress=False)
    low, high = wilson_interval(round(fit.best_val_accuracy * validation), validation)
    print(
        f"  {method:<52} {fit.seconds:6.0f} s  validation accuracy {fit.best_val_accuracy:.4f}"
        f" [{low:.3f}, {high:.3f}]",
        flush=True,
    )
    return {
        "method": method,
        "seconds": fit.seconds,
        "val_accuracy": fit.best_val_accuracy,
        "ci_low": low,
        "ci_high": high,
        "steps": fit.params["total_steps"],
        "n_train": reviews,
        "n_validation": validation,
        "max_length": run.max_length,
    }
