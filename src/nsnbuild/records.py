"""Quicker pickling for the frozen, slotted dataclasses that cross between processes.

The standard pickling of a frozen dataclass with slots looks its fields up again for every
object, both ways; a parallel build sends hundreds of thousands of such objects to its workers
and back. Each module calls `pickle_by_fields(__name__)` after its classes: their objects
then pickle as their class and a tuple of field values, as before but without the lookups.
"""

from __future__ import annotations

import dataclasses
import operator
import sys
from collections.abc import Callable
from typing import Any

_NAMES: dict[type, tuple[str, ...]] = {}


def pickle_by_fields(module: str) -> None:
    """Give every frozen, slotted dataclass defined in `module` the quicker pickling."""
    for value in list(vars(sys.modules[module]).values()):
        if (
            isinstance(value, type)
            and value.__module__ == module
            and dataclasses.is_dataclass(value)
            and "__slots__" in vars(value)
            and value.__dataclass_params__.frozen  # type: ignore[attr-defined]
        ):
            _install(value)


def _install(cls: type) -> None:
    fields = dataclasses.fields(cls)
    names = tuple(f.name for f in fields)
    if not names:
        return
    _NAMES[cls] = names
    values: Callable[[Any], tuple[Any, ...]]
    if len(names) == 1:
        one = operator.attrgetter(names[0])

        def values_of_one(obj: object) -> tuple[Any, ...]:
            return (one(obj),)

        values = values_of_one

    else:
        values = operator.attrgetter(*names)
    # a class whose every field is an argument of __init__, with nothing done after it, is
    # rebuilt by calling it; any other one field by field
    if all(f.init and not f.kw_only for f in fields) and not hasattr(cls, "__post_init__"):

        def reduce(self: object) -> tuple[Callable[..., object], tuple[Any, ...]]:
            return cls, values(self)

    else:

        def reduce(self: object) -> tuple[Callable[..., object], tuple[Any, ...]]:
            return _rebuild, (cls, values(self))

    cls.__reduce__ = reduce  # type: ignore[method-assign,assignment]


def _rebuild(cls: type, values: tuple[Any, ...]) -> object:
    """The object of class `cls` with these field values (what unpickling calls)."""
    obj: object = object.__new__(cls)
    for name, value in zip(_NAMES[cls], values, strict=True):
        object.__setattr__(obj, name, value)
    return obj
