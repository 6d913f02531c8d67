"""README's speed tables, generated from ``results/benchmarks/<name>.json`` (:mod:`helpers.runner.readme`).

python -m helpers.bench.readme     # rewrites the blocks in README.md
"""

from helpers.runner.readme import speed_tables_main as main

if __name__ == "__main__":
    raise SystemExit(main())
