"""The series runner's parts (``python -m helpers.run``, ``python -m helpers.report``), one concern each:
``command`` (arguments, the run from start to end), ``notebooks`` (find, execute, clean an executed notebook),
``prepare`` (the plan printed, the stand-in built), ``plan`` and ``standin_plan`` (the estimates), ``resume``
(an unfinished run's record), ``lock`` (one run per folder), ``progress`` (the terminal), ``record`` (the
summary and the work), ``reference_check`` (this run against the committed reference) and ``readme`` (README's
generated sections). Nothing here is imported by the notebooks; ``paths`` uses ``lock`` (a leaf)."""
