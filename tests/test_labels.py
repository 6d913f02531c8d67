"""helpers.labels: by-name mapping of a model's outputs onto IMDB's 0 = negative / 1 = positive."""

from __future__ import annotations

import pytest

from helpers.labels import ID2LABEL, LABEL_NAMES, LabelError, imdb_label_map


def test_labels_are_mapped_by_name_in_any_order():
    assert imdb_label_map(ID2LABEL) == {0: 0, 1: 1}
    assert imdb_label_map({0: "POSITIVE", 1: "NEGATIVE"}) == {0: 1, 1: 0}
    assert imdb_label_map({"0": "neg", "1": "pos"}) == {0: 0, 1: 1}
    assert LABEL_NAMES == ("neg", "pos")


def test_a_model_without_id2label_is_refused():
    with pytest.raises(LabelError, match="no id2label"):
        imdb_label_map({})
