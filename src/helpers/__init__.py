"""Helpers behind the IMDB sentiment notebook series.

Modules, one concern each: ``paths``, ``settings`` (profiles, seeds, ``setup``), ``hub`` (is the Hub usable),
``data``, ``exploration``, ``classical``, ``modeling`` / ``inference`` / ``training`` (transformers), ``search``
(hyperparameter search), ``evaluation`` (metrics, the results contract, comparison), ``ensemble`` (notebook 06's
average of two families), ``plots``, ``report`` (the README results table), ``bench`` (speed benchmark) and
``run`` (the papermill runner).
Heavy libraries (torch, transformers) are imported by the modules that need them, not here.
"""

from helpers.settings import load_profile, setup

__all__ = ["load_profile", "setup"]
__version__ = "0.1.0"
