"""A structure's scores beside its peers' (B Lab's « B Impact Report » compares a company with
its peers). Pure: plain values in, a small result out.

The rules: a peer group is the labelled structures of the same family, or of the same EPCI;
each group is shown only when it has at least MIN_GROUP structures, and then, principle by
principle, the median of their scores — one structure's answers or scores never show.

Where DESIGN is silent, decided here:
- the structure itself is left out of its groups (its peers are the others; the page already
  shows its own score), so a group of 5 is 5 other structures;
- a principle's median is given only when at least MIN_GROUP of the group's structures have a
  score for it (a principle with no applicable criterion has none): a median of fewer
  would come too close to one structure's score;
- the median of an even count is the mean of the two middle scores (the usual definition).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MIN_GROUP = 5  # the smallest group whose figures are shown


def median(values: Sequence[float]) -> float:
    """The middle value (the mean of the two middle ones for an even count); the values need
    not be sorted. At least one value."""
    if not values:
        raise ValueError("median of no value")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True, slots=True)
class PrincipleComparison:
    """One principle: the structure's score and its peers' median (None when it has none, or
    when fewer than MIN_GROUP peers have a score for it)."""

    code: str
    title: str
    score: float | None
    median: float | None
    count: int  # how many peers have a score for the principle


@dataclass(frozen=True, slots=True)
class GroupComparison:
    """A peer group (`kind`: "family" or "epci"; `name`: the family's or the EPCI's name) of
    `size` structures; `rows` only when the group is large enough to be shown."""

    kind: str
    name: str
    size: int
    rows: tuple[PrincipleComparison, ...] = ()

    @property
    def shown(self) -> bool:
        return self.size >= MIN_GROUP

    @property
    def complete(self) -> bool:
        """Every principle has its median (shown groups only)."""
        return self.shown and all(row.median is not None for row in self.rows)


def scores_by_code(result: Mapping | None) -> dict[str, float]:
    """A stored result's scored principles, code → score (a principle without a score, and a
    result without principles, give nothing)."""
    principles = (result or {}).get("principles") or []
    return {
        p["code"]: float(p["score"])
        for p in principles
        if isinstance(p, Mapping) and p.get("code") and p.get("score") is not None
    }


def compare_group(
    kind: str,
    name: str,
    principles: Iterable[tuple[str, str, float | None]],
    peers: Sequence[Mapping[str, float]],
) -> GroupComparison:
    """The structure's principles (code, title, score) beside the medians of `peers` (one
    code → score mapping per peer structure, the structure itself left out by the caller)."""
    if len(peers) < MIN_GROUP:
        return GroupComparison(kind, name, len(peers))
    rows = []
    for code, title, score in principles:
        values = [scores[code] for scores in peers if code in scores]
        middle = median(values) if len(values) >= MIN_GROUP else None
        rows.append(PrincipleComparison(code, title, score, middle, len(values)))
    return GroupComparison(kind, name, len(peers), tuple(rows))
