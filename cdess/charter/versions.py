"""Minor and major charter versions, and when an older signature still counts: pure code,
no app and no database.

The rules (DESIGN.md, "The charter and its scoring" and "Signing the charter"):

- a new version is **minor** when it changes only wording — help, recommendations, titles,
  questions, option labels, descriptions: signatures and running applications carry over;
- it is **major** when it changes what is scored or what eligibility needs — criteria added
  or removed, a criterion's answer type, points, options' keys or points, bands, accepted
  range (min / max), families, eliminatory flag or required evidence, a principle added or
  removed or its weight, the threshold or the principle floor;
- after a major version, signatories are asked to sign again within a grace period (default
  3 months) during which their signature, and so their applications, go on.

`classify(old, new)` compares two versions in the shape of `services.version_to_dict` (the
charter file's shape) and says which kind the new one is, with the reasons. `standing`
says whether a signature of an older version still counts on a given day.

Where DESIGN is silent, decided here:

- the classification is the least the change can be: the secretariat may always declare a
  minor change major (stricter), never a major change minor;
- commitments: adding or removing one is major (the structure never accepted the new list);
  rewording them with as many commitments as before is minor, the secretariat declaring it
  major when the new words commit to something else;
- the unit of a number and the order of principles, criteria or options are wording (none
  of them changes a score); moving a criterion to another principle is major (it changes both
  principles' scores); a version's title and `version_label` are wording;
- `points` are compared as numbers (3 and 3.0 are the same), families as sets, with no
  family listed meaning every family; bands in order (with overlapping bands the first one
  that contains a value scores it);
- the grace period ends on the deadline day: a signature of an older version counts while
  `today < resign_deadline`, so that « à renouveler avant le <date> » is exact;
- what counts is the first major version published after the signed one: once its deadline
  has passed, a later major version's deadline does not revive the signature;
- a version published after the signed one whose kind is unknown (None: published before
  kinds existed) counts as major without grace period — the rule before kinds existed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

MINOR, MAJOR = "minor", "major"


@dataclass(frozen=True, slots=True)
class Change:
    """The kind of a new version against the previous one, and why."""

    kind: str  # MINOR or MAJOR
    reasons: tuple[str, ...]  # what makes it major, in French; empty when minor
    wording: tuple[str, ...]  # what changed in wording only, in French

    @property
    def major(self) -> bool:
        return self.kind == MAJOR


# --- comparing two versions -------------------------------------------------------------------


def _number(value) -> float | None:
    return None if value is None else float(value)


def _families(criterion: dict) -> frozenset[str] | None:
    families = criterion.get("families")
    return frozenset(families) if families else None


def _options(criterion: dict) -> list[dict]:
    return list(criterion.get("options") or [])


def _scoring_fields(criterion: dict, principle_code: str) -> dict[str, object]:
    """What a criterion's scoring depends on (each a comparable value)."""
    return {
        "principle": principle_code,
        "type": criterion.get("type", "yes_no"),
        "points": float(criterion.get("points") or 0),
        "options": {str(o["key"]): float(o.get("points") or 0) for o in _options(criterion)},
        "bands": [
            (_number(b.get("min")), _number(b.get("max")), float(b.get("points") or 0))
            for b in criterion.get("bands") or []
        ],
        "min": _number(criterion.get("min")),
        "max": _number(criterion.get("max")),
        "families": _families(criterion),
        "eliminatory": bool(criterion.get("eliminatory")),
        "evidence_required": bool(criterion.get("evidence_required")),
    }


def _wording_fields(criterion: dict) -> dict[str, object]:
    """What a reader sees of a criterion without it changing any score."""
    return {
        "question": criterion.get("question") or "",
        "help": criterion.get("help") or "",
        "recommendation": criterion.get("recommendation") or "",
        "unit": criterion.get("unit") or "",
    }


def _option_wording(before: dict, after: dict) -> list[str]:
    """Labels and order of the options both versions have (new or removed keys are scoring)."""
    old_labels = {str(o["key"]): o.get("label") or "" for o in _options(before)}
    new_labels = {str(o["key"]): o.get("label") or "" for o in _options(after)}
    common = old_labels.keys() & new_labels.keys()
    changed = []
    if any(old_labels[key] != new_labels[key] for key in common):
        changed.append("labels")
    if [k for k in old_labels if k in common] != [k for k in new_labels if k in common]:
        changed.append("order")
    return changed


def _scoring_label(field: str) -> str:
    return {
        "principle": _("principe de rattachement"),
        "type": _("type de réponse"),
        "points": _("points"),
        "options": _("clés ou points des réponses"),
        "bands": _("tranches de points"),
        "min": _("valeur minimale admise"),
        "max": _("valeur maximale admise"),
        "families": _("familles concernées"),
        "eliminatory": _("caractère éliminatoire"),
        "evidence_required": _("justificatif obligatoire"),
    }[field]


def _wording_label(field: str) -> str:
    return {
        "question": _("question"),
        "help": _("aide"),
        "recommendation": _("recommandation"),
        "unit": _("unité"),
        "labels": _("libellés des réponses"),
        "order": _("ordre des réponses"),
        "title": _("intitulé"),
        "description": _("description"),
    }[field]


def _criteria(data: dict) -> dict[str, tuple[str, dict]]:
    return {
        c["code"]: (p["code"], c)
        for p in data.get("principles") or []
        for c in p.get("criteria") or []
    }


def _principles(data: dict) -> dict[str, dict]:
    return {p["code"]: p for p in data.get("principles") or []}


def _format(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def classify(old: dict, new: dict) -> Change:
    """Whether `new` is a minor or a major version after `old` (both in the shape of
    `services.version_to_dict`), with the reasons in French."""
    reasons: list[str] = []
    wording: list[str] = []

    for key, label in (("threshold", _("seuil d'éligibilité")), ("principle_floor", _("plancher"))):
        before, after = float(old.get(key, 0)), float(new.get(key, 0))
        if before != after:
            reasons.append(
                _(
                    "%(what)s modifié (%(a)s → %(b)s)",
                    what=label,
                    a=_format(before),
                    b=_format(after),
                )
            )
    old_commitments = list(old.get("commitments") or [])
    new_commitments = list(new.get("commitments") or [])
    if len(old_commitments) != len(new_commitments):
        reasons.append(
            _(
                "engagements ajoutés ou retirés (%(a)s → %(b)s)",
                a=len(old_commitments),
                b=len(new_commitments),
            )
        )
    elif old_commitments != new_commitments:
        wording.append(_("engagements reformulés"))
    if (old.get("title") or "") != (new.get("title") or ""):
        wording.append(_("titre de la charte"))

    old_p, new_p = _principles(old), _principles(new)
    for code in sorted(new_p.keys() - old_p.keys()):
        reasons.append(_("principe %(code)s ajouté", code=code))
    for code in sorted(old_p.keys() - new_p.keys()):
        reasons.append(_("principe %(code)s supprimé", code=code))
    for code in sorted(old_p.keys() & new_p.keys()):
        if float(old_p[code].get("weight", 1)) != float(new_p[code].get("weight", 1)):
            reasons.append(_("principe %(code)s : poids modifié", code=code))
        changed = [
            _wording_label(field)
            for field in ("title", "description")
            if (old_p[code].get(field) or "") != (new_p[code].get(field) or "")
        ]
        if changed:
            wording.append(
                _("principe %(code)s reformulé : %(what)s", code=code, what=", ".join(changed))
            )
    if [p for p in old_p if p in new_p] != [p for p in new_p if p in old_p]:
        wording.append(_("ordre des principes"))

    old_c, new_c = _criteria(old), _criteria(new)
    for code in sorted(new_c.keys() - old_c.keys()):
        reasons.append(_("critère %(code)s ajouté", code=code))
    for code in sorted(old_c.keys() - new_c.keys()):
        reasons.append(_("critère %(code)s supprimé", code=code))
    for code in sorted(old_c.keys() & new_c.keys()):
        (p_before, before), (p_after, after) = old_c[code], new_c[code]
        scoring_before = _scoring_fields(before, p_before)
        scoring_after = _scoring_fields(after, p_after)
        changed = [f for f in scoring_before if scoring_before[f] != scoring_after[f]]
        if changed:
            reasons.append(
                _(
                    "%(code)s modifié : %(what)s",
                    code=code,
                    what=", ".join(_scoring_label(f) for f in changed),
                )
            )
        wording_before, wording_after = _wording_fields(before), _wording_fields(after)
        changed = [f for f in wording_before if wording_before[f] != wording_after[f]]
        changed += _option_wording(before, after)
        if changed:
            wording.append(
                _(
                    "%(code)s reformulé : %(what)s",
                    code=code,
                    what=", ".join(_wording_label(f) for f in changed),
                )
            )
    common_codes = old_c.keys() & new_c.keys()
    if [c for c in old_c if c in common_codes] != [c for c in new_c if c in common_codes]:
        wording.append(_("ordre des critères"))

    return Change(MAJOR if reasons else MINOR, tuple(reasons), tuple(wording))


# --- dates -----------------------------------------------------------------------------------


# --- whether an older signature still counts ------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    """What `standing` needs of a published (or archived) version."""

    number: int
    kind: str | None  # MINOR, MAJOR, or None for the first version (and legacy ones)
    resign_deadline: date | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    """A signature's standing on a day.

    `in_force`: it counts for applying. `major_number` and `deadline`: the first major
    version published after the signed one and the day its grace period ends (None when
    every later version is minor). In force with a deadline: « à renouveler avant le … »."""

    in_force: bool
    major_number: int | None = None
    deadline: date | None = None

    @property
    def renew_before(self) -> date | None:
        """The day before which to sign again, while the grace period runs."""
        return self.deadline if self.in_force else None


def standing(signed_number: int, published: Iterable[PublishedVersion], today: date) -> Standing:
    """Whether a signature of version `signed_number` counts on `today`, given the versions
    published so far (in any order; drafts left out)."""
    later = sorted((v for v in published if v.number > signed_number), key=lambda v: v.number)
    first_major = next((v for v in later if v.kind != MINOR), None)
    if first_major is None:
        return Standing(in_force=True)
    deadline = first_major.resign_deadline
    return Standing(
        in_force=deadline is not None and today < deadline,
        major_number=first_major.number,
        deadline=deadline,
    )
