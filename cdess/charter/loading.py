"""Reading a charter file (YAML) strictly: pure code, no app and no database.

The rule (DESIGN.md, "The charter and its scoring"): the shipped charter file is data like
any other, and loading it is strict — duplicate or empty option labels and unknown fields
are refused with their line. `parse` returns the file's data as plain dicts and lists, in
the shape `services.version_from_dict` and `scoring.charter_from_dict` read, or raises
`CharterError` with one French line per problem, in the order of the file.

Refused, each with its line:
- YAML that does not parse;
- a mapping key written twice (PyYAML would silently keep the last one);
- a field the code does not read (at the top level, in a principle, a criterion, an option
  or a band), a missing required field, a value of the wrong type;
- within a criterion, two options with the same key or the same label, an option without
  a label; principle or criterion codes used twice in the file.

Where DESIGN is silent, decided here:
- the fields allowed are those the code reads, plus `version_label` and `description` at the
  top level (kept for people, not read);
- labels are compared trimmed, case and runs of spaces ignored: « Plus de 30 € » and
  « plus de 30  € » are the same label to a reader;
- an optional field may be written empty (`help:`): it reads as absent;
- option keys are text: `key: 25_50` unquoted is the integer 2550 in YAML 1.1, and is
  refused rather than stored as "2550";
- `options` belong to `choice` criteria and `bands`, `unit`, `min`, `max` to `number` ones:
  anywhere else they would be silently ignored, so they are refused;
- the rules that need the whole charter (at least one principle, scored criteria, points that
  can fail an eliminatory criterion…) stay with `scoring.validate_charter`, at publication.
"""

from collections.abc import Callable
from pathlib import Path

import yaml
from flask_babel import gettext as _

from cdess.charter.scoring import ANSWER_TYPES, FAMILIES


class CharterError(ValueError):
    """A refused charter operation; `problems` lists what to fix, in French."""

    def __init__(self, problems: list[str] | str):
        problems = [problems] if isinstance(problems, str) else problems
        super().__init__(" ".join(problems))
        self.problems = problems


# --- YAML with lines, refusing duplicate keys ------------------------------------------------


class _Mapping(dict):
    """A YAML mapping that remembers its line and the line of each of its keys."""

    line: int = 0
    key_lines: dict


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader whose mappings carry their lines and which notes keys written twice."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)
        mapping = _Mapping()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)  # reported as an unknown field by the checks below
            line = key_node.start_mark.line + 1
            if key in mapping:
                self.duplicates.append(
                    (line, _("le champ « %(field)s » est écrit deux fois", field=key))
                )
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = line
        return mapping

    def construct_yaml_map(self, node):
        data = _Mapping()
        yield data
        built = self.construct_mapping(node)
        data.update(built)
        data.line, data.key_lines = built.line, built.key_lines


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _StrictLoader.construct_yaml_map)


# --- what each level may hold ----------------------------------------------------------------


def _is_text(value) -> bool:
    return isinstance(value, str)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_bool(value) -> bool:
    return isinstance(value, bool)


def _is_text_or_number(value) -> bool:
    return isinstance(value, str) or _is_number(value)


def _is_text_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_list(value) -> bool:
    return isinstance(value, list)  # the items are checked at their own level


TEXT, NUMBER, BOOL, LABEL, TEXTS, ITEMS = "text", "number", "bool", "label", "texts", "items"
CHECKS: dict[str, Callable[[object], bool]] = {
    TEXT: _is_text,
    NUMBER: _is_number,
    BOOL: _is_bool,
    LABEL: _is_text_or_number,
    TEXTS: _is_text_list,
    ITEMS: _is_list,
}


def _expected(kind: str) -> str:
    return {
        TEXT: _("un texte"),
        NUMBER: _("un nombre"),
        BOOL: _("true ou false"),
        LABEL: _("un texte ou un nombre"),
        TEXTS: _("une liste de textes"),
        ITEMS: _("une liste"),
    }[kind]


# field → (kind of value, required)
Spec = dict[str, tuple[str, bool]]

CHARTER_FIELDS: Spec = {
    "title": (TEXT, True),
    "version_label": (LABEL, False),
    "description": (TEXT, False),
    "threshold": (NUMBER, False),
    "principle_floor": (NUMBER, False),
    "commitments": (TEXTS, False),
    "principles": (ITEMS, True),
}
PRINCIPLE_FIELDS: Spec = {
    "code": (TEXT, True),
    "title": (TEXT, True),
    "description": (TEXT, False),
    "weight": (NUMBER, False),
    "criteria": (ITEMS, False),
}
CRITERION_FIELDS: Spec = {
    "code": (TEXT, True),
    "question": (TEXT, True),
    "type": (TEXT, True),
    "help": (TEXT, False),
    "points": (NUMBER, False),
    "evidence_required": (BOOL, False),
    "eliminatory": (BOOL, False),
    "families": (TEXTS, False),
    "recommendation": (TEXT, False),
    "unit": (TEXT, False),
    "min": (NUMBER, False),
    "max": (NUMBER, False),
    "options": (ITEMS, False),
    "bands": (ITEMS, False),
}
OPTION_FIELDS: Spec = {"key": (TEXT, True), "label": (TEXT, True), "points": (NUMBER, True)}
BAND_FIELDS: Spec = {"min": (NUMBER, False), "max": (NUMBER, False), "points": (NUMBER, True)}

# Criterion fields that only one answer type reads.
ONLY_FOR = {
    "options": "choice",
    "bands": "number",
    "unit": "number",
    "min": "number",
    "max": "number",
}


class _Problems:
    def __init__(self, duplicates: list[tuple[int, str]]):
        self.items = list(duplicates)

    def add(self, line: int, message: str) -> None:
        self.items.append((line, message))

    def lines(self) -> list[str]:
        ordered = sorted(self.items, key=lambda item: item[0])  # stable: file order
        return [_("ligne %(n)s : %(problem)s", n=line, problem=text) for line, text in ordered]


def _check_fields(mapping, spec: Spec, where: str, line: int, problems: _Problems) -> bool:
    """Unknown, missing and mistyped fields of one mapping (`line`: where it stands, for a
    value that is not one); False when it is not a mapping."""
    if not isinstance(mapping, _Mapping):
        problems.add(line, _("%(where)s : des champs « nom: valeur » attendus", where=where))
        return False
    for field, key_line in mapping.key_lines.items():
        value = mapping[field]
        if field not in spec:
            message = _("champ inconnu « %(field)s » (%(where)s)", field=field, where=where)
            if value is None:  # `{label: A, b, points: 1}`: YAML made « b » a field
                message += _(" — un libellé qui contient une virgule doit être entre guillemets")
            problems.add(key_line, message)
        elif value is not None and not CHECKS[spec[field][0]](value):
            message = _(
                "« %(field)s » doit être %(expected)s (%(where)s)",
                field=field,
                expected=_expected(spec[field][0]),
                where=where,
            )
            if spec[field][0] == TEXT and not isinstance(value, list | dict):
                # unquoted, `key: 25_50` reads as the integer 2550 and `label: yes` as True
                message += _(" — écrivez la valeur entre guillemets")
            problems.add(key_line, message)
    for field, (_kind, required) in spec.items():
        if required and mapping.get(field) is None:
            problems.add(
                mapping.key_lines.get(field, mapping.line),
                _(
                    "champ obligatoire « %(field)s » vide ou manquant (%(where)s)",
                    field=field,
                    where=where,
                ),
            )
    return True


def _same_label(label: str) -> str:
    return " ".join(label.split()).casefold()


def _check_criterion(criterion, principle: str, line: int, problems: _Problems) -> None:
    code = criterion.get("code") if isinstance(criterion, _Mapping) else None
    where = code if isinstance(code, str) else _("un critère de %(p)s", p=principle)
    if not _check_fields(criterion, CRITERION_FIELDS, where, line, problems):
        return
    kind = criterion.get("type")
    if isinstance(kind, str) and kind not in ANSWER_TYPES:
        problems.add(
            criterion.key_lines["type"],
            _(
                "type de réponse inconnu « %(kind)s » dans %(code)s (%(known)s)",
                kind=kind,
                code=where,
                known=", ".join(ANSWER_TYPES),
            ),
        )
    for field, needed in ONLY_FOR.items():
        if criterion.get(field) is not None and kind in ANSWER_TYPES and kind != needed:
            problems.add(
                criterion.key_lines[field],
                _(
                    "« %(field)s » ne sert qu'aux critères de type %(needed)s, "
                    "%(code)s est de type %(kind)s",
                    field=field,
                    needed=needed,
                    code=where,
                    kind=kind,
                ),
            )
    families = criterion.get("families")
    if _is_text_list(families) and (unknown := sorted(set(families) - FAMILIES)):
        problems.add(
            criterion.key_lines["families"],
            _(
                "famille inconnue dans %(code)s : %(unknown)s",
                code=where,
                unknown=", ".join(unknown),
            ),
        )
    if _is_list(options := criterion.get("options")):
        _check_options(options, where, criterion.key_lines["options"], problems)
    if _is_list(bands := criterion.get("bands")):
        for band in bands:
            band_where = _("une tranche de %(code)s", code=where)
            _check_fields(band, BAND_FIELDS, band_where, criterion.key_lines["bands"], problems)


def _check_options(options: list, code: str, line: int, problems: _Problems) -> None:
    keys: set[str] = set()
    labels: set[str] = set()
    for option in options:
        if not _check_fields(
            option, OPTION_FIELDS, _("une option de %(code)s", code=code), line, problems
        ):
            continue
        key, label = option.get("key"), option.get("label")
        if isinstance(key, str):
            if key in keys:
                problems.add(
                    option.key_lines["key"],
                    _("la clé « %(key)s » figure deux fois dans %(code)s", key=key, code=code),
                )
            keys.add(key)
        if isinstance(label, str):
            if not label.strip():
                problems.add(
                    option.key_lines["label"],
                    _("une option de %(code)s a un libellé vide", code=code),
                )
            elif _same_label(label) in labels:
                problems.add(
                    option.key_lines["label"],
                    _(
                        "l'option « %(label)s » figure deux fois dans %(code)s",
                        label=label.strip(),
                        code=code,
                    ),
                )
            labels.add(_same_label(label))


def _check_charter(data, problems: _Problems) -> None:
    if not _check_fields(data, CHARTER_FIELDS, _("la charte"), 1, problems):
        return
    principle_codes: set[str] = set()
    criterion_codes: set[str] = set()
    principles = data.get("principles")
    for principle in principles if _is_list(principles) else []:
        code = principle.get("code") if isinstance(principle, _Mapping) else None
        where = code if isinstance(code, str) else _("un principe")
        if not _check_fields(
            principle, PRINCIPLE_FIELDS, where, data.key_lines["principles"], problems
        ):
            continue
        if isinstance(code, str):
            if code in principle_codes:
                problems.add(
                    principle.key_lines["code"],
                    _("le code de principe %(code)s est déjà utilisé", code=code),
                )
            principle_codes.add(code)
        criteria = principle.get("criteria")
        for criterion in criteria if _is_list(criteria) else []:
            _check_criterion(criterion, where, principle.key_lines["criteria"], problems)
            c_code = criterion.get("code") if isinstance(criterion, _Mapping) else None
            if isinstance(c_code, str):
                if c_code in criterion_codes:
                    problems.add(
                        criterion.key_lines["code"],
                        _("le code de critère %(code)s est déjà utilisé", code=c_code),
                    )
                criterion_codes.add(c_code)


def _plain(value):
    """Plain dicts and lists, for JSON and for the rest of the code."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


# --- reading ---------------------------------------------------------------------------------


def parse(text: str) -> dict:
    """A charter file's text as plain data, or CharterError listing every problem with its
    line, in French."""
    loader = _StrictLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        detail = getattr(error, "problem", None) or str(error)
        raise CharterError(
            [
                _(
                    "ligne %(n)s : le fichier n'est pas du YAML valide (%(detail)s)",
                    n=line,
                    detail=detail,
                )
            ]
        ) from error
    finally:
        loader.dispose()
    problems = _Problems(loader.duplicates)
    _check_charter(data, problems)
    if problems.items:
        raise CharterError(problems.lines())
    return _plain(data)


def read(path: Path | str) -> dict:
    """A charter file read strictly (see `parse`)."""
    return parse(Path(path).read_text(encoding="utf-8"))
