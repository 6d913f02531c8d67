"""helpers.bench.recipe: the dropout recipe check runs the real ``training.finetune`` three times on one split."""

from support.builders import toy_reviews

from helpers import modeling, training
from helpers.bench.recipe import bench_recipe
from helpers.bench.training import PREVIOUS_DEFAULT
from helpers.dropout import set_attention_dropout, set_hidden_dropout


def test_the_recipe_check_trains_each_recipe_on_the_same_reviews_and_scores_it_with_an_interval(monkeypatch):
    """A checkpoint with dropout 0.5 everywhere: each recipe trains differently (its training losses differ from
    the others', on the same reviews and seed), and the checkpoint keeps its own dropout afterwards."""
    model, tokenizer = modeling.tiny_architecture(seed=1)
    set_hidden_dropout(model, 0.5)
    set_attention_dropout(model, 0.5)
    fits, real_finetune = [], training.finetune
    monkeypatch.setattr(training, "finetune", lambda *a, **k: fits.append(real_finetune(*a, **k)) or fits[-1])
    rows = bench_recipe(model, tokenizer, toy_reviews(48), reviews=24, validation=16, max_length=32, seed=0)
    assert [row["method"] for row in rows] == [
        PREVIOUS_DEFAULT,
        "attention dropout 0 only",
        "all dropout 0 (the new default's recipe)",
    ]
    assert {(row["n_train"], row["n_validation"], row["steps"], row["max_length"]) for row in rows} == {
        (24, 16, 2, 32)  # 24 reviews trained in batches of 16: two steps each, the same for every recipe
    }
    assert all(row["ci_low"] <= row["val_accuracy"] <= row["ci_high"] and row["seconds"] > 0 for row in rows)
    assert [(f.params["attention_dropout"], f.params["hidden_dropout"]) for f in fits] == [
        (None, None),
        (0.0, None),
        (0.0, 0.0),
    ]
    losses = [tuple(fit.history["train_loss"].round(6)) for fit in fits]
    assert len(set(losses)) == 3, f"two recipes trained identically: {losses}"
    assert {m.p for m in model.modules() if type(m).__name__ == "Dropout"} == {0.5}
