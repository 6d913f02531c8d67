"""The reviews a search trains and validates on: subsets of notebook 04's, never the test set."""

from __future__ import annotations

from helpers import data
from helpers.search.space import SearchError


def search_data(train, validation, train_size: int | None, validation_size: int | None, seed: int):
    """``(train, validation)`` for the search: stratified, seeded subsets of notebook 04's fine-tuning and validation
    reviews (:func:`helpers.data.finetune_data`, both from the IMDB **training** split), so 04's model can be scored on
    the same validation reviews as a reference; ``None`` keeps all of a set.
    """
    train = data.stratified_sample(train, train_size, seed)
    validation = data.stratified_sample(validation, validation_size, seed)
    if set(train["review_id"]) & set(validation["review_id"]):
        raise SearchError("training and validation reviews overlap")
    return train, validation
