"""Speed benchmark: the project's inference and training against competent baselines, side by side, in one run.

    python -m helpers.bench                     # quick: a few minutes on 2 cores, the offline stand-in
    python -m helpers.bench --mode thorough     # more reviews and steps, the recipe check on 2,000 reviews
    python -m helpers.bench --model distilbert-random   # the study's architecture, random weights: its speed
    python -m helpers.bench --model tiny --n 16 --train-steps 2   # what the test runs
    python -m helpers.bench --model distilbert-random --epoch-reviews 22500 --train-max-length 512 \
        --train-batch-size 32 --train-steps 0 --n 64 --skip-pipeline   # one epoch of the full profile (a GPU)

Inference: ``pipeline`` at batch 1 and at batch 32, each in fp32 and with a bf16 model, naive padding, and ``predict``; each
timed after a warm-up, ``repeats`` times (median and range). Training: the previous default recipe, the new
one and one lever at a time, on the same length-grouped batches, steps interleaved across setups so that a busy
machine slows them alike; a torch.profiler breakdown of a step; and (thorough) ``training.finetune`` with the
previous and the new default on the same data for the same steps, validation accuracy with its interval;
``--epoch-reviews``: one whole epoch of the new default, every step timed (task ``epoch``).
Throughput is also given as a share of the measured bf16 matmul peak.

One module per part: ``measure`` (timing, memory, machine, matmul peak), ``inference``, ``training``, ``profile``,
``recipe``, ``models`` (a random-init DistilBERT), ``report`` (table and record), ``cli``.
"""

from helpers.bench.cli import MODES, main
from helpers.bench.inference import bench_evaluation, fastest_at_equal_accuracy
from helpers.bench.measure import Measurement, flops_per_token, machine_description, matmul_peak_gflops
from helpers.bench.profile import BREAKDOWN, op_category, profile_breakdown
from helpers.bench.report import markdown_table, results_table
from helpers.bench.training import (
    FP32_DEFAULT,
    NEW_DEFAULT,
    PREVIOUS_DEFAULT,
    TrainSetup,
    bench_epoch,
    bench_training,
    length_grouped_batches,
    padded_tokens,
    training_setups,
)

__all__ = [
    "BREAKDOWN",
    "FP32_DEFAULT",
    "MODES",
    "NEW_DEFAULT",
    "PREVIOUS_DEFAULT",
    "Measurement",
    "TrainSetup",
    "bench_epoch",
    "bench_evaluation",
    "bench_training",
    "fastest_at_equal_accuracy",
    "flops_per_token",
    "length_grouped_batches",
    "machine_description",
    "main",
    "markdown_table",
    "matmul_peak_gflops",
    "op_category",
    "padded_tokens",
    "profile_breakdown",
    "results_table",
    "training_setups",
]
