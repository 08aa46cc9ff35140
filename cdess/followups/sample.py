"""The random verification sample, without the database (issue 17; DESIGN, « Annual
follow-up »): which labelled structures a year's draw picks.

- the draw takes `rate` of the labelled structures, rounded up, and at least one (B Lab reviews
  about a tenth of its certified companies each year);
- it is reproducible: the same seed and the same labelled structures give the same list, in
  whatever order the structures are given; the seed and the list are kept in the journal.

Where DESIGN is silent, decided here:
- the seed is a random hexadecimal text drawn by the secretariat's click (`secrets`), not a
  date or a counter anyone could predict before the draw;
- Python's Mersenne Twister seeded with that text does the picking (`random.Random(seed)`,
  stable across Python versions for a text seed), over the structures' ids sorted.
"""

import math
import random


def size(population: int, rate: float) -> int:
    """How many of `population` labelled structures the draw picks: `rate` of them rounded up,
    at least one, at most all (none of none)."""
    if population <= 0:
        return 0
    return min(population, max(1, math.ceil(population * rate - 1e-9)))


def pick(population: list[int], rate: float, seed: str) -> list[int]:
    """The ids of the structures drawn from `population` with `seed`, sorted."""
    ordered = sorted(set(population))
    # A draw anyone can repeat from its published seed: no secret to guard.
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    chosen = rng.sample(ordered, size(len(ordered), rate))
    return sorted(chosen)
