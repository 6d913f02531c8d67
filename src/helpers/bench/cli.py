"""``python -m helpers.bench``: parse the options, run the inference, training, profile and recipe benchmarks on one
model and one machine, print the table and write the record."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from helpers.bench.inference import bench_evaluation
from helpers.bench.measure import flops_per_token, machine_description, matmul_peak_gflops
from helpers.bench.models import random_distilbert
from helpers.bench.profile import bench_profile
from helpers.bench.recipe import bench_recipe
from helpers.bench.report import (
    precision_ratios,
    print_summary,
    results_table,
    with_share_of_peak,
    write_record,
)
from helpers.bench.training import PREVIOUS_DEFAULT, bench_epoch, bench_training
from helpers.devices import choose_device, device_name
from helpers.paths import output_root
from helpers.precision import choose_precision
from helpers.precision_measure import Measured

MODES = {  # training: timed steps per setup; recipe: training reviews for the previous-vs-new check
    "quick": {"n": 128, "repeats": 3, "train_steps": 4, "recipe_reviews": 0},
    "thorough": {"n": 500, "repeats": 3, "train_steps": 12, "recipe_reviews": 2000},
}


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, dict]:
    """The options, and the mode's settings with any option that overrides them."""
    # the help's description: the first line of helpers.bench's docstring (a package is loaded before its modules)
    description = sys.modules[__package__].__doc__.split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m helpers.bench", description=description)
    parser.add_argument("--mode", choices=sorted(MODES), default="quick")
    parser.add_argument(
        "--model",
        default="standin",
        help="tiny | standin | auto | hub | path | distilbert-random (default: standin)",
    )
    parser.add_argument("--model-dir", default=None)
    parser.add_argument("--device", default=None, help="cpu | cuda (default: CUDA when available)")
    parser.add_argument("--n", type=int, help="test reviews for the evaluation benchmark")
    parser.add_argument(
        "--repeats", type=int, help="timed repeats of each inference method (after a warm-up)"
    )
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--train-steps", type=int, help="timed training steps per setup (0: no training)")
    parser.add_argument("--train-batch-size", type=int, default=16)
    parser.add_argument(
        "--train-max-length", type=int, default=256, help="training tokens per review (256: the seed profile)"
    )
    parser.add_argument(
        "--recipe-reviews",
        type=int,
        help="training reviews for the recipe check (previous vs new default; 0: skip)",
    )
    parser.add_argument("--recipe-validation", type=int, default=1000)
    parser.add_argument(
        "--epoch-reviews",
        type=int,
        default=0,
        help="time one whole epoch of the new default over this many training reviews (22500: the full profile)",
    )
    parser.add_argument(
        "--compile",
        action="store_true",
        help="add a torch.compile training setup (dynamic shapes; compiling takes about a minute)",
    )
    parser.add_argument(
        "--defaults-only", action="store_true", help="time only the previous and the new training default"
    )
    parser.add_argument(
        "--skip-pipeline", action="store_true", help="leave out the slow batch-1 pipeline baseline"
    )
    parser.add_argument(
        "--output", type=Path, help="JSON record (default: results/benchmarks/<mode>-<model>.json)"
    )
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    overrides = {key: getattr(args, key) for key in ("n", "train_steps", "repeats", "recipe_reviews")}
    settings = MODES[args.mode] | {key: value for key, value in overrides.items() if value is not None}
    return args, settings


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; write ``results/benchmarks/<mode>-<model>.json`` (or ``--output``) and its markdown table."""
    args, settings = parse_args(argv)
    model, tokenizer, model_source, imdb, test, data_source, device = load_inputs(args, settings)
    machine = machine_description() | {"device": device_name(device)}
    print(f"model: {model_source}\ndata: IMDB test, n={len(test):,} ({data_source.kind})\nmachine: {machine}")
    peak = matmul_peak_gflops()
    print(f"matmul peak: {peak['fp32']:.0f} GFLOP/s fp32, {peak['bf16']:.0f} GFLOP/s bf16")
    choice = choose_precision("auto", device)
    print(f"capability: {choice.capability}\nprecision auto picks {choice.precision}: {choice.reason}")
    if choice.measured:
        print(f"  measured {choice.measured['when']}: {Measured.from_dict(choice.measured).text()}")

    runs, baseline, breakdown, recipe = run_benchmarks(
        model, tokenizer, imdb["train"], test, args, settings, device
    )
    contexts = {
        "training": args.train_max_length,
        "epoch": args.train_max_length,
        "evaluation": args.max_length,
    }
    table = with_share_of_peak(results_table(runs, baseline), runs, model, contexts, peak)
    record = {
        "mode": args.mode,
        "settings": settings | {key: getattr(args, key) for key in RECORDED_OPTIONS},
        "model_source": model_source.as_dict(),
        "data": f"IMDB test ({data_source.kind}), n={len(test)}",
        "machine": machine,
        "device": device_name(device),
        "matmul_peak_gflops": peak,
        "flops_per_token": flops_per_token(model, args.max_length),
        "baseline": baseline,
        "inference_goal": print_summary(table, runs),
        "precision_choice": choice.as_dict(),
        "precision_ratios": report_precision(table, choice.precision),
        "training_profile": breakdown,
        "recipe_check": recipe,
    }
    output = args.output or output_root() / "results" / "benchmarks" / f"{args.mode}-{model_source.kind}.json"
    write_record(output, record, runs, table)
    return 0


def run_benchmarks(model, tokenizer, train, test, args, settings, device):
    """``(runs, baseline, breakdown, recipe)``: the evaluation methods on ``test``, then what the options ask for
    on the ``train`` reviews (training steps and their profile, the recipe check, one epoch), and the baseline
    method of each task."""
    print(f"evaluation ({settings['repeats']} repeats after a warm-up, median and range):")
    runs = bench_evaluation(
        model,
        tokenizer,
        test["text"],
        test["label"],
        max_length=args.max_length,
        batch_size=args.batch_size,
        repeats=settings["repeats"],
        include_batch1_pipeline=not args.skip_pipeline,
        device=device,
    )
    baseline = {"evaluation": runs[0].method}
    breakdown, recipe = {}, []
    if settings["train_steps"] > 0:
        runs += run_training(model.cpu(), tokenizer, train, args, settings, device)
        baseline["training"] = PREVIOUS_DEFAULT
        breakdown = run_profile(model.cpu(), tokenizer, train, args, device)
    if settings["recipe_reviews"] > 0:
        recipe = run_recipe(model.cpu(), tokenizer, train, args, settings, device)
    if args.epoch_reviews > 0:
        runs.append(run_epoch(model.cpu(), tokenizer, train, args, device))
        baseline["epoch"] = runs[-1].method
    return runs, baseline, breakdown, recipe


RECORDED_OPTIONS = ("max_length", "batch_size", "train_max_length", "train_batch_size", "epoch_reviews")


def report_precision(table, chosen: str) -> dict:
    """Print bf16 against fp32 (prediction and training, same run) and which one auto picked; return them."""
    ratios = precision_ratios(table, chosen)
    print(
        f"precision: auto picks {chosen} here; bf16 is {ratios['prediction_bf16_over_fp32']:.2f}x fp32 for "
        f"prediction and {ratios['training_bf16_over_fp32']:.2f}x for a training step (nan: not timed)"
    )
    return ratios


def load_inputs(args, settings):
    """Seeded, quiet libraries; the model, tokenizer and source; bundled IMDB and the test sample; the device."""
    from helpers.data import load_imdb, stratified_sample
    from helpers.modeling import load_classifier
    from helpers.settings import quiet_libraries, seed_everything

    warnings.filterwarnings("ignore", message=".*quantiz.*")  # torch.ao's deprecation notices
    quiet_libraries()
    seed_everything(args.seed)
    device = choose_device(args.device)
    imdb, data_source = load_imdb(source="bundled")
    test = stratified_sample(imdb["test"], settings["n"], args.seed)
    if args.model == "distilbert-random":
        model, tokenizer, model_source = random_distilbert()
    else:
        model, tokenizer, model_source = load_classifier(args.model, args.model_dir)
    return model, tokenizer, model_source, imdb, test, data_source, device


def run_profile(model, tokenizer, train, args, device):
    """The profiler's breakdown of a step of the previous and the new default."""
    print("profile of a training step (share of wall time):")
    return bench_profile(
        model,
        tokenizer,
        train,
        max_length=args.train_max_length,
        batch_size=args.train_batch_size,
        seed=args.seed,
        device=device,
    )


def run_recipe(model, tokenizer, train, args, settings, device):
    """``finetune`` with the previous and the new default recipe on the same reviews."""
    print(f"recipe check: finetune on {settings['recipe_reviews']:,} reviews, previous vs new default:")
    return bench_recipe(
        model,
        tokenizer,
        train,
        reviews=settings["recipe_reviews"],
        validation=args.recipe_validation,
        max_length=args.train_max_length,
        seed=args.seed,
        device=device,
    )


def run_epoch(model, tokenizer, train, args, device):
    """One whole epoch of the new default, every step timed."""
    print(
        f"one epoch: {args.epoch_reviews:,} training reviews, batch {args.train_batch_size}"
        f" x up to {args.train_max_length} tokens, every step timed:"
    )
    run = bench_epoch(
        model,
        tokenizer,
        train,
        reviews=args.epoch_reviews,
        max_length=args.train_max_length,
        batch_size=args.train_batch_size,
        seed=args.seed,
        device=device,
    )
    print(f"  {run.notes}")
    return run


def run_training(model, tokenizer, train, args, settings, device):
    """The training table's timed steps (every setup, or the two defaults)."""
    print(
        f"training ({settings['train_steps']} steps per setup, interleaved, batch {args.train_batch_size}"
        f" x up to {args.train_max_length} tokens):"
    )
    return bench_training(
        model,
        tokenizer,
        train,
        steps=settings["train_steps"],
        max_length=args.train_max_length,
        batch_size=args.train_batch_size,
        seed=args.seed,
        device=device,
        with_compile=args.compile,
        defaults_only=args.defaults_only,
    )
