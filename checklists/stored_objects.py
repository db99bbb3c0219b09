"""Stored objects that no row names any more, in a storage laid out as <folder>/<object>.

A row and its stored object are written object first and deleted row first, so a process
stopped in between leaves at most an object without a row, never a row without its object.
Such objects are found here and deleted once old enough that no upload or build still under
way can be writing its row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


def sweep_unnamed(storage, named: Callable[[list[str]], set[str]], *, older_than: datetime) -> int:
    """Delete the objects that `named` (given a folder's object names, returns those a row
    names) does not return and that were last written before `older_than`; return how many."""
    swept = 0
    try:
        folders, _files = storage.listdir("")
    except FileNotFoundError:  # nothing was ever stored
        return 0
    for folder in folders:
        names = [f"{folder}/{name}" for name in storage.listdir(folder)[1]]
        known = named(names)
        for name in names:
            if name not in known and storage.get_modified_time(name) < older_than:
                storage.delete(name)
                swept += 1
    return swept
