"""The reviews a search trains and validates on: both carved from the IMDB *training* split, never the test set."""

from __future__ import annotations

from helpers import data
from helpers.search.space import SearchError


def search_data(train_split, train_size: int | None, validation_size: int, seed: int):
    """``(train, validation)`` for the search, both from the IMDB **training** split (never the test reviews).

    The validation reviews are carved first (:func:`helpers.data.train_validation_split`), then ``train_size``
    reviews are sampled from the rest (stratified, seeded); both are cleaned like notebooks 03–04.
    """
    pool, validation = data.train_validation_split(train_split, validation_size, seed)
    train = data.stratified_sample(pool, train_size, seed)
    train, validation = data.clean_reviews(train), data.clean_reviews(validation)
    if set(train["review_id"]) & set(validation["review_id"]):
        raise SearchError("training and validation reviews overlap")
    return train, validation
