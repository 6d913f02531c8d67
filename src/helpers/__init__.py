"""Helpers behind the IMDB sentiment notebook series.

Modules, one concern each: ``paths``, ``settings`` (profiles, seeds, ``setup``), ``hub`` (is the Hub usable),
``data``, ``exploration``, ``classical``, ``tokens`` (tokenisation and truncation), ``specs`` (the two settings
objects of the transformer path: a ``Reading`` and a ``TrainingRun``), ``modeling`` / ``inference`` / ``training``
(transformers), ``search`` (hyperparameter search), ``evaluation`` (statistics), ``results_files`` (the results
contract), ``comparisons`` (every model on the same reviews), ``ensemble`` (notebook 06's average of two
families), ``present`` / ``verdicts`` (generated sentences), ``plots``, ``report`` (the README results table),
``bench`` (speed benchmark) and ``run`` (the papermill runner).
Heavy libraries (torch, transformers) are imported by the modules that need them, not here.
"""

from helpers.settings import load_profile, setup

__all__ = ["load_profile", "setup"]
__version__ = "0.1.0"
