"""Every figure of the series: one seaborn style, saved as PNG under ``figures/<profile>/`` and returned for display.
Plot functions take data and labels and compute no metric, bar the 95% Wilson interval of an accuracy given
without one (the study's numbers, a search trial's); every public name is importable from ``helpers.plots``.
"""

from helpers.plots.data import *  # noqa: F403
from helpers.plots.models import *  # noqa: F403
from helpers.plots.placement import *  # noqa: F403
from helpers.plots.search import *  # noqa: F403
from helpers.plots.style import *  # noqa: F403
