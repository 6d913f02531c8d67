"""Every figure of the series: one seaborn style, saved as PNG under ``figures/<profile>/`` and returned for display.
Plot functions take data and labels, never compute metrics; every public name is importable from ``helpers.plots``.
"""

from helpers.plots.data import *  # noqa: F403
from helpers.plots.models import *  # noqa: F403
from helpers.plots.search import *  # noqa: F403
from helpers.plots.style import *  # noqa: F403
