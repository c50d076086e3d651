"""One set of colours for every figure and the demo.

Colours come from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), which
stays distinguishable under the common forms of colour-vision deficiency. Each treaty status
keeps its colour everywhere: in ``escalation plot`` figures, in ``timeline.png`` and in the
browser demo. This module imports nothing heavy so that the demo and the plots can share it.
"""

from __future__ import annotations

from typing import Final

# Okabe-Ito, by name.
BLACK: Final = "#000000"
ORANGE: Final = "#E69F00"
SKY_BLUE: Final = "#56B4E9"
BLUISH_GREEN: Final = "#009E73"
YELLOW: Final = "#F0E442"
BLUE: Final = "#0072B2"
VERMILLION: Final = "#D55E00"
REDDISH_PURPLE: Final = "#CC79A7"
GREY: Final = "#BBBBBB"
LIGHT_GREY: Final = "#EEEEEE"

#: Map/legend classes of a state in one treaty, in legend order. ``blocked`` is a notice whose
#: withdrawal is held by Article 20's armed-conflict clause; ``outside`` is land that is not a
#: state of the scenario.
STATUS_COLOURS: Final[dict[str, str]] = {
    "party": SKY_BLUE,
    "notice": ORANGE,
    "blocked": REDDISH_PURPLE,
    "withdrawn": VERMILLION,
    "acceding": BLUISH_GREEN,
    "non_party": GREY,
    "outside": LIGHT_GREY,
}

STATUS_LABELS: Final[dict[str, str]] = {
    "party": "party",
    "notice": "notice given",
    "blocked": "notice held by war",
    "withdrawn": "withdrawn",
    "acceding": "re-acceding",
    "non_party": "never party",
    "outside": "not modelled",
}

#: Series colours: the per-month counts take their status's colour; the rest are fixed here.
SERIES_COLOURS: Final[dict[str, str]] = {
    "notice": STATUS_COLOURS["notice"],
    "withdrawn": STATUS_COLOURS["withdrawn"],
    "held": STATUS_COLOURS["blocked"],
    "party": STATUS_COLOURS["party"],
    "threat": BLUE,
    "arms": BLACK,
    "war": YELLOW,
}

#: One colour per treaty where treaties are compared in one panel (line colour, not status).
TREATY_COLOURS: Final[tuple[str, ...]] = (BLUE, VERMILLION, BLUISH_GREEN, REDDISH_PURPLE)

#: Sequential colour map for probabilities (perceptually uniform, colour-blind safe).
PROBABILITY_CMAP: Final = "cividis"

#: Colour map of a map of the probability of giving notice (ColorBrewer YlOrBr: light to dark
#: with no grey in it, so that it cannot be mistaken for the grey of non-parties, as cividis's
#: middle can), used from :data:`NOTICE_PROBABILITY_FROM` so that 0 stays visible on white.
NOTICE_PROBABILITY_CMAP: Final = "YlOrBr"
NOTICE_PROBABILITY_FROM: Final = 0.08


def treaty_colour(index: int) -> str:
    """The line colour of the ``index``-th treaty of a scenario."""
    return TREATY_COLOURS[index % len(TREATY_COLOURS)]


def status_class(status: str, held: bool = False) -> str:
    """The legend class of a status (``notice`` held by the war clause becomes ``blocked``)."""
    if status == "notice" and held:
        return "blocked"
    return status if status in STATUS_COLOURS else "outside"
