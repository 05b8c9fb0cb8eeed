"""The theme's colours for code that paints: one palette, ``resources/themes/wall-dark.toml``.

Widgets name a colour by what it paints (``colour("ticker.background")``); the values live
beside the style sheet, so a re-theme edits ``resources/themes/`` and no widget.
"""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Final

from backend_client.resources import resource

THEME: Final = "wall-dark"


@cache
def palette(theme: str = THEME) -> dict[str, str]:
    """``section.name`` -> ``#rrggbb``, read once."""
    with resource("themes", f"{theme}.toml").open("rb") as file:
        data = tomllib.load(file)
    return {
        f"{section}.{name}": str(value)
        for section, names in data.items()
        for name, value in names.items()
    }


def colour(name: str) -> str:
    """The colour ``section.name`` of the theme (a KeyError names one it lacks)."""
    return palette()[name]
