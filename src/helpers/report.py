"""The README's generated sections, from ``results/<profile>/`` (:mod:`helpers.runner.readme`).

python -m helpers.report --profile seed     # rewrites the blocks between the README markers
"""

from helpers.runner.readme import main

if __name__ == "__main__":
    raise SystemExit(main())
