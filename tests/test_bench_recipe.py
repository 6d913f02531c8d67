"""helpers.bench.recipe: the dropout recipe check runs the real ``training.finetune`` three times on one split."""

from support.builders import toy_reviews

from helpers.bench.recipe import bench_recipe
from helpers.bench.training import PREVIOUS_DEFAULT


def test_the_recipe_check_trains_each_recipe_on_the_same_reviews_and_scores_it_with_an_interval(tiny):
    model, tokenizer, _ = tiny
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
