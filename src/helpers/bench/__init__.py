"""Speed benchmark: the project's inference and training against competent baselines, side by side, in one run.

    python -m helpers.bench                     # quick: a few minutes on 2 cores, the offline stand-in
    python -m helpers.bench --mode thorough     # more reviews and steps, the recipe check on 2,000 reviews
    python -m helpers.bench --model distilbert-random   # the study's architecture, random weights: its speed

Inference: ``pipeline`` at batch 1 and 32 (fp32, bf16), naive padding and ``predict``, each timed after a warm-up.
Training: the previous and the new default recipe and one lever at a time on the same length-grouped batches,
steps interleaved; a torch.profiler breakdown; (thorough) ``finetune`` with both defaults. One module per part:
``measure``, ``inference``, ``training``, ``profile``, ``recipe``, ``models``, ``report``, ``cli``.
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
