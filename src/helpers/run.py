"""The series runner (:mod:`helpers.runner`): execute the numbered notebooks in order with papermill.

python -m helpers.run --profile smoke     # see python -m helpers.run --help
"""

from helpers.runner.command import main

if __name__ == "__main__":
    raise SystemExit(main())
