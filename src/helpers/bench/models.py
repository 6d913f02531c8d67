"""A model to time the study's own architecture with, where its weights cannot be had."""

from __future__ import annotations


def random_distilbert(tokenizer_dir=None):
    """A randomly initialised DistilBERT classifier of the study's exact architecture (``DistilBertConfig()``
    defaults, 2 labels) and a BERT uncased tokenizer (the MiniLM one: the same 30,522-word vocabulary).

    Its accuracy means nothing; its speed is DistilBERT's (speed does not depend on the weights)."""
    import torch
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertForSequenceClassification

    from helpers.checkpoints import minilm_path
    from helpers.modeling import ModelSource

    torch.manual_seed(0)
    config = DistilBertConfig(
        num_labels=2, id2label={0: "NEGATIVE", 1: "POSITIVE"}, label2id={"NEGATIVE": 0, "POSITIVE": 1}
    )
    model = DistilBertForSequenceClassification(config).eval()
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir or minilm_path())
    source = ModelSource(
        "distilbert-random",
        "random-init DistilBERT (DistilBertConfig defaults)",
        "memory",
        "speed only: its accuracy means nothing",
    )
    return model, tokenizer, source
