"""The YAML loader of front matter: PyYAML's safe loader, made quicker for the mappings,
lists and plain values front matter is made of, keeping a date that does not exist as
text, and refusing a key written twice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_PLAIN_SCALARS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")
)
_DEPTH = 64

# A plain scalar's tag depends on its text alone (the implicit resolvers, never changed
# here): front matter repeats the same keys and short values brief after brief, and each
# is resolved once. Bounded; filled up, it stops taking new texts.
_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_SIZE = 4096
_PLAIN_TAG_TEXT = 40


class _Unusual(Exception):
    """A node the quick construction leaves to PyYAML's own."""


class FrontMatterLoader(_BaseLoader):
    """YAML's safe loader, except that a date that does not exist (`2015-02-30`) stays text.

    PyYAML raises a bare ValueError for such a date; kept as text, it reaches the checker,
    which reports it at its line like any other value that is not a date.

    Front matter is mappings, lists and plain values: those are built here directly
    (strings as they are, other scalars by PyYAML's own constructors), about twice as fast
    as PyYAML's general machinery, which is still what builds anything else (other tags,
    merge keys, unhashable keys, structures that refer to themselves), from the start.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and not self.yaml_path_resolvers:
            if not implicit[0]:  # quoted: a string, as PyYAML would say
                return self.DEFAULT_SCALAR_TAG
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(value) <= _PLAIN_TAG_TEXT and len(_PLAIN_TAGS) < _PLAIN_TAGS_SIZE:
                    _PLAIN_TAGS[value] = tag
            return tag
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

    def construct_document(self, node: Any) -> Any:
        self.repeated_keys: list[tuple[yaml.Node, yaml.Node]] = []
        try:
            data = _construct(self, node, 0, set())
        except Exception:
            # _Unusual, or a value its constructor refuses: PyYAML's own construction builds
            # the one or raises for the other exactly as it always would (its repeated keys
            # looked for first: merging mappings adds keys that may repeat)
            self.repeated_keys = []
            for mapping in _mappings(node):
                _repeats(self, mapping)
            data = super().construct_document(node)
        if self.repeated_keys:
            raise RepeatedKeys(sorted(self.repeated_keys, key=lambda repeat: repeat[1].start_mark.index))
        return data


def _construct(loader: FrontMatterLoader, node: Any, depth: int, seen: set[int]) -> Any:
    """What PyYAML's safe constructor makes of `node`, for the usual kinds of node.

    `seen`: the nodes met so far. One met twice is an alias (`*name`): PyYAML makes it once
    and shares it, where building it at each use could take exponential time and memory ("a
    billion laughs") and would give, say, a NaN key twice; aliases are left to PyYAML.
    """
    if depth > _DEPTH or id(node) in seen:
        raise _Unusual
    seen.add(id(node))
    tag, kind = node.tag, node.__class__
    if kind is yaml.ScalarNode:
        if tag == _STR:
            return node.value
        if tag in _PLAIN_SCALARS:
            return loader.yaml_constructors[tag](loader, node)
        raise _Unusual
    if kind is yaml.MappingNode and tag == _MAP:
        data = {}
        for key_node, value_node in node.value:
            key = _construct(loader, key_node, depth + 1, seen)
            value = _construct(loader, value_node, depth + 1, seen)
            data[key] = value  # an unhashable key raises TypeError: see construct_document
        if len(data) < len(node.value):
            _repeats(loader, node)
        return data
    if kind is yaml.SequenceNode and tag == _SEQ:
        return [_construct(loader, item, depth + 1, seen) for item in node.value]
    raise _Unusual


class RepeatedKeys(Exception):
    """Keys written twice in one mapping: YAML forbids it, and PyYAML would silently keep the
    last value (a `title:` left behind by an edit, say). Each is (first key, repeat)."""

    def __init__(self, repeats: list[tuple[yaml.Node, yaml.Node]]) -> None:
        super().__init__(repeats)
        self.repeats = repeats


def _repeats(loader: FrontMatterLoader, node: yaml.MappingNode) -> None:
    """Note every key of `node` written a second time (`yes` after `true` too), with the key
    it repeats. Keys that are not plain values, and a merge (`<<`), are left alone."""
    first: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        if key_node.__class__ is not yaml.ScalarNode:
            continue
        if key_node.tag == _STR:
            key: Any = key_node.value
        elif key_node.tag in _PLAIN_SCALARS:
            try:
                key = loader.yaml_constructors[key_node.tag](loader, key_node)
                hash(key)
            except Exception:  # a value PyYAML refuses, as construction will say
                continue
        else:
            continue
        if key in first:
            loader.repeated_keys.append((first[key], key_node))
        else:
            first[key] = key_node


def _mappings(node: yaml.Node) -> Iterator[yaml.MappingNode]:
    """Every mapping in a document's node tree, each once (aliases are followed once)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, yaml.MappingNode):
            yield item
            stack.extend(n for pair in item.value for n in pair)
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)


def _timestamp_or_text(loader: _BaseLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, AttributeError):
        return loader.construct_scalar(node)


FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
