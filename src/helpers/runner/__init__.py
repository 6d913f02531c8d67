"""The series runner's parts (``python -m helpers.run``, ``python -m helpers.report``), one concern each; nothing
here is imported by the notebooks, and ``paths`` uses only ``lock`` (a leaf)."""
