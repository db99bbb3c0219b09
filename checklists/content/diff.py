"""Comparing two checklist versions, question by question."""

from __future__ import annotations

from typing import Any

# --- Comparing versions -----------------------------------------------------------------

QUESTION_ATTRIBUTES = ("principles", "enablers", "flags", "critical", "na", "applies_if")


def _questions(document: dict) -> dict[str, dict]:
    return {q["key"]: q for s in document["sections"] for q in s["questions"]}


def _changes(old: Any, new: Any, path: str) -> list[tuple[str, Any, Any]]:
    """Differences between two plain values, as (path, old, new); keyed lists match by key."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in [*old, *(k for k in new if k not in old)]:
            changes += _changes(old.get(key), new.get(key), f"{path}.{key}")
        return changes
    keyed = (
        isinstance(old, list)
        and isinstance(new, list)
        and all(isinstance(i, dict) and "key" in i for i in [*old, *new])
    )
    if keyed:
        old_items, new_items = {i["key"]: i for i in old}, {i["key"]: i for i in new}
        changes = []
        for key in [*old_items, *(k for k in new_items if k not in old_items)]:
            changes += _changes(old_items.get(key), new_items.get(key), f"{path}[{key}]")
        if [k for k in old_items if k in new_items] != [k for k in new_items if k in old_items]:
            changes.append((f"{path} order", list(old_items), list(new_items)))
        return changes
    return [] if old == new else [(path, old, new)]


def diff_documents(old: dict, new: dict) -> dict[str, list]:
    """What changed between two checklist versions: questions, sections and rules."""
    old_q, new_q = _questions(old), _questions(new)
    old_s = {s["key"]: s["title"] for s in old["sections"]}
    new_s = {s["key"]: s["title"] for s in new["sections"]}
    return {
        "added": [new_q[k] for k in new_q if k not in old_q],
        "removed": [old_q[k] for k in old_q if k not in new_q],
        "reworded": [
            (k, old_q[k]["text"], new_q[k]["text"])
            for k in old_q
            if k in new_q and old_q[k]["text"] != new_q[k]["text"]
        ],
        "retagged": [
            (k, attribute, old_q[k].get(attribute), new_q[k].get(attribute))
            for k in old_q
            if k in new_q
            for attribute in QUESTION_ATTRIBUTES
            if old_q[k].get(attribute) != new_q[k].get(attribute)
        ],
        "sections": [
            (k, old_s.get(k), new_s.get(k))
            for k in [*old_s, *(k for k in new_s if k not in old_s)]
            if old_s.get(k) != new_s.get(k)
        ],
        "rules": _changes(old["scoring"], new["scoring"], "scoring"),
    }
