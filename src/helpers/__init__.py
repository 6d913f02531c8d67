"""Helpers behind the IMDB sentiment notebook series, one module per concern (see each module's docstring).

Heavy libraries (torch, transformers) are imported by the modules that need them, not here."""

from helpers.settings import load_profile, setup

__all__ = ["load_profile", "setup"]
__version__ = "0.1.0"
