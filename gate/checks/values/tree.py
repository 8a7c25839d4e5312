"""The tree of values paths a chart knows: a node per key, `free` where any key below
is known. Built by known.py (what charts declare) and reads.py (what templates read)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

ValuesPath = tuple[str, ...]

# Keys of one path the tree holds: no values file can nest deeper (limits.yaml_depth is
# 200 by default), and a template reading `.Values.a.a.a...` a million keys deep must not
# build a million nodes. Deeper references are cut here; the walks below are loops.
DEEPEST = 256

# The key of a map's entries when a template ranges over the map (`range $name, $route
# := .Values.ingressRoute`): what it reads of each entry (`$route.matchRule`) is known
# below every key of the map, and a misspelt field of an entry is still unknown. No YAML
# key gate reads can hold a NUL.
ANY = "\x00*"


@dataclass
class Known:
    """A node of the known-paths tree; `free` means any key below it is known."""

    children: dict[str, Known] = field(default_factory=dict)
    free: bool = False

    def child(self, key: str) -> Known:
        return self.children.setdefault(key, Known())

    def add(self, path: ValuesPath, free: bool = False) -> Known:
        node = self
        for key in path:
            node = node.child(key)
        node.free = node.free or free
        return node

    def mount(self, prefix: ValuesPath, other: Known) -> None:
        node = self.add(prefix)
        merge(node, other)

    def copy(self) -> Known:
        """A deep copy, made with a loop (copy.deepcopy recurses, and fails on a tree
        about 200 keys deep)."""
        root = Known(free=self.free)
        merge(root, self)
        return root

    def knows(self, path: ValuesPath) -> int:
        """How many leading keys of `path` are known: len(path) when all of them are."""
        level = [self]
        for depth, key in enumerate(path):
            if any(node.free for node in level):
                return len(path)
            level = _step(level, key)
            if not level:
                return depth
        return len(path)

    def free_ancestor(self, path: ValuesPath) -> ValuesPath | None:
        """The path of the first free-form node at or above `path`, if any."""
        level = [self]
        for depth, key in enumerate(path):
            if any(node.free for node in level):
                return path[:depth]
            level = _step(level, key)
            if not level:
                return None
        return path if any(node.free for node in level) else None

    def declares(self, path: ValuesPath) -> bool:
        """Whether every key of `path` is a node of its own (or an entry of a map a
        template ranges over), no free-form node above its last key: the charts name
        this key."""
        level = [self]
        for key in path:
            level = _step(level, key)
            if not level:
                return False
        return True

    def node(self, path: ValuesPath) -> Known | None:
        """The node of `path`: the key's own, else the entries' of a ranged-over map."""
        node: Known | None = self
        for key in path:
            if node is None:
                return None
            node = node.children.get(key) or node.children.get(ANY)
        return node

    def paths(self, prefix: ValuesPath = ()) -> Iterator[ValuesPath]:
        """Every path below, depth first, in the order the keys were added."""
        pending = [(prefix, iter(self.children.items()))]
        while pending:
            path, children = pending[-1]
            for key, child in children:
                yield (*path, key)
                pending.append(((*path, key), iter(child.children.items())))
                break
            else:
                pending.pop()


def _step(level: list[Known], key: str) -> list[Known]:
    """The nodes one key below `level`: each node's own child and its entries' (ANY).
    Nodes are few per level (a key and a wildcard), so lists beat sets here."""
    found: list[Known] = []
    for node in level:
        for child in (node.children.get(key), node.children.get(ANY)):
            if child is not None and all(child is not seen for seen in found):
                found.append(child)
    return found


def merge(into: Known, other: Known) -> None:
    pending = [(into, other)]
    while pending:
        target, source = pending.pop()
        target.free = target.free or source.free
        for key, child in source.children.items():
            pending.append((target.child(key), child))
