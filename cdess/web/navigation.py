"""The main navigation: each blueprint registers its own entries, with who sees them.

The web package stands below the domains and imports none of them: a domain says where it
sits in the menu (`order`) and which permission shows the entry."""

from collections.abc import Callable

from flask import Blueprint, current_app


def add_entry(
    blueprint: Blueprint, endpoint: str, label, shown: Callable[..., bool], order: int
) -> None:
    """Put `endpoint` in the menu of every app the blueprint is registered on, for the people
    `shown(user)` accepts, at position `order` (smaller first)."""

    def register(state) -> None:
        entries = state.app.extensions.setdefault("cdess.navigation", [])
        entries.append((order, endpoint, label, shown))
        entries.sort(key=lambda entry: entry[0])

    blueprint.record_once(register)


def everyone(user) -> bool:
    return True


def navigation(user) -> list[tuple[str, str]]:
    """The entries this person sees, in menu order, as (endpoint, label)."""
    entries = current_app.extensions.get("cdess.navigation", [])
    return [(endpoint, str(label)) for _order, endpoint, label, shown in entries if shown(user)]
