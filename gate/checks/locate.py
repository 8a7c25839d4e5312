"""Point a finding at the file and line a person would open.

A rendered value cannot be traced back to a template line exactly; the key that
holds it (`startupProbe:`, `image:`) is where a reader starts. A template is read
as the YAML it mostly is: a line's indentation says which key it belongs to, and a
line that is only a template action (`{{- if }}`, `{{- include ... | nindent 8 }}`)
belongs to none. The finding's path is followed step by step:

- a key is looked for in the block the previous step opened, at the block's own
  indentation first (so `spec.template.spec` does not stop at a `spec:` deeper
  down), then deeper (a template may indent through `nindent`);
- a list index picks among the block's `- ` items: the item whose literal `name:`
  is the rendered item's name; else the index-th item, unless its literal name says
  it is another one; else the nearest item whose name the template computes (a
  `range` writes one item for all the items it renders). No item at all (the list
  comes from `toYaml`) stops at the list's key;
- a step the template does not hold may come from a helper: the `include` and
  `template` calls in the block are followed into their `define` (in any template
  of the chart or its subcharts), and when the helper holds the step, the finding
  points into the helper;
- a step found nowhere ends the walk (`resources: {{ toYaml ... }}` writes requests
  and cpu on its own line): the deepest step found gives the line, the container's
  `- name:` line when the container has no `startupProbe` at all.

A template that renders several documents: the object's document is the one whose
literal `kind:` is the object's, the how-many-th of that kind (helm sorts its output
by kind, in template order within a kind); a document whose kind is computed is
chosen like a list item. The object itself (a path with no step) is its document's
first line.
Each step scans the lines of one block once, and a finding follows at most
_HELPER_WALKS helpers: the work is linear in the template's size per finding.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from gate.checks.policies.paths import Concrete
from gate.model import RenderedObject, one_line
from gate.sources import Sources

Location = tuple[str, int | None]  # the file to open, and the 1-based line in it
Locate = Callable[[RenderedObject, Concrete], Location]

_T = TypeVar("_T")
_CONTENT, _ACTION, _SKIP, _SEPARATOR = range(4)
_HELPER_DEPTH = 4  # include inside include inside include ...
_HELPER_WALKS = 32  # helpers followed for one finding, at most

_SEPARATOR_LINE = re.compile(r"^---(?:\s|$)")
_ITEM = re.compile(r"^(?P<indent> *)(?P<dash>-(?: +|$))?")
_KEY = re.compile(
    r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<plain>[^\s"'{#\[\]|>&*!%@`][^:#]*?))"""
    r"""\s*:(?:\s+(?P<value>.*)|$)"""
)
_CALL = re.compile(r"""\b(?:include|template)\s+"((?:[^"\\]|\\.)*)\"""")
_BLOCK_ACTION = re.compile(r"\{\{-?\s*(if|range|with|define|block|end)\b")


@dataclass(frozen=True)
class _Line:
    kind: int
    indent: int = 0  # leading spaces
    column: int = 0  # where its key starts: after the `- ` of an item
    item: bool = False
    key: str | None = None
    value: str = ""  # the text after `key:`
    calls: tuple[str, ...] = ()  # helpers it includes


def _line(raw: str) -> _Line:
    text = raw.rstrip("\r")
    stripped = text.strip()
    calls = tuple(_CALL.findall(text)) if ("include" in text or "template" in text) else ()
    if _SEPARATOR_LINE.match(text):
        return _Line(_SEPARATOR)
    if not stripped or stripped.startswith("#"):
        return _Line(_SKIP)
    if stripped.startswith("{{"):
        return _Line(_ACTION, calls=calls)
    head = _ITEM.match(text)
    assert head is not None  # both groups are optional
    indent = len(head["indent"])
    column = head.end()
    key = _KEY.match(text, column)
    name = None if key is None else key["dq"] if key["dq"] is not None else key["sq"]
    if key is not None and name is None:
        name = key["plain"].rstrip()
    return _Line(
        _CONTENT,
        indent,
        column,
        head["dash"] is not None,
        name,
        (key["value"] or "").strip() if key is not None else "",
        calls,
    )


@dataclass(frozen=True)
class _Block:
    """Lines [start, end) of a template: a key's value, a list item, a document, or a
    helper's body. `owner` is the line that opened it (its calls count as its own)."""

    start: int
    end: int
    owner: int | None = None
    inline: bool = False  # an item: the owner line is the item's first line


class _Parsed:
    """A template's lines, classified once; the blocks, keys and items asked for are
    remembered, so that many findings on one template scan each block once."""

    def __init__(self, text: str):
        self.text = text
        self.lines = tuple(_line(raw) for raw in text.split("\n"))
        self._memo: dict[tuple[Any, ...], Any] = {}

    @functools.cached_property
    def offsets(self) -> tuple[int, ...]:
        """Where each line starts in the text."""
        starts = [0]
        starts += [match.end() for match in re.finditer("\n", self.text)]
        return tuple(starts)

    @functools.cached_property
    def document_starts(self) -> tuple[int, ...]:
        """Each document's first line, in order: a line's document is found by bisection
        (a plain manifest of 15,000 objects and as many findings was quadratic)."""
        return tuple(d.start for d in self.documents)

    def document_at(self, index: int) -> _Block | None:
        """The document that holds line `index` (0-based), if one does."""
        position = bisect.bisect_right(self.document_starts, index) - 1
        if position < 0:
            return None
        document = self.documents[position]
        return document if index < document.end else None

    @functools.cached_property
    def documents(self) -> tuple[_Block, ...]:
        """The parts between `---` lines that hold YAML; a part of actions only (a
        `{{- $x := ... }}` prologue) is none, unless no part holds YAML (a template
        that is one `include`)."""
        parts: list[_Block] = []
        start = 0
        for number, line in enumerate([*self.lines, _Line(_SEPARATOR)]):
            if line.kind == _SEPARATOR:
                if number > start:
                    parts.append(_Block(start, number))
                start = number + 1
        for wanted in (_CONTENT, _ACTION):
            found = [p for p in parts if any(self.lines[n].kind == wanted for n in _span(p))]
            if found:
                return tuple(found)
        return (_Block(0, len(self.lines)),)

    @functools.cached_property
    def kinds(self) -> Choices:
        """The documents by their literal `kind:` (None where the template computes it)."""
        return Choices([self._kind_of(document) for document in self.documents])

    def _kind_of(self, document: _Block) -> str | None:
        for number in _span(document):
            line = self.lines[number]
            if line.kind == _CONTENT and line.key == "kind" and line.column == 0:
                return _literal(line.value)
        return None

    def first_line(self, block: _Block) -> int:
        """The block's first line of YAML, else of anything, 0-based."""
        for wanted in (_CONTENT, _ACTION):
            for number in _span(block):
                if self.lines[number].kind == wanted:
                    return number
        return block.start

    def _remembered(self, key: tuple[Any, ...], compute: Callable[[], _T]) -> _T:
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(_T, self._memo[key])

    def helper_body(self, line: int) -> _Block:
        """The lines of the `define` on `line`, up to its own `end`."""
        return self._remembered(("define", line), lambda: self._helper_body(line))

    def _helper_body(self, line: int) -> _Block:
        depth = 0
        for match in _BLOCK_ACTION.finditer(self.text, self.offsets[line]):
            depth += -1 if match.group(1) == "end" else 1
            if depth <= 0:
                end = bisect.bisect_right(self.offsets, match.start()) - 1
                return _Block(line + 1, max(end, line + 1))
        return _Block(line + 1, len(self.lines))

    def key_block(self, at: int) -> _Block:
        """What a key's value spans: the lines below it indented deeper, and `- ` items
        at its own column (YAML lets a list sit at its key's indentation)."""
        return self._remembered(("key", at), lambda: self._key_block(at))

    def _key_block(self, at: int) -> _Block:
        lines = self.lines
        column = lines[at].column
        end = at + 1
        while end < len(lines):
            line = lines[end]
            if line.kind == _SEPARATOR:
                break
            if line.kind == _CONTENT and (
                line.indent < column or (line.indent == column and not line.item)
            ):
                break
            end += 1
        return _Block(at + 1, end, owner=at)

    def item_block(self, at: int) -> _Block:
        """A list item: its own line and the lines below it indented past its dash."""
        return self._remembered(("item", at), lambda: self._item_block(at))

    def _item_block(self, at: int) -> _Block:
        lines = self.lines
        dash = lines[at].indent
        end = at + 1
        while end < len(lines):
            line = lines[end]
            if line.kind == _SEPARATOR or (line.kind == _CONTENT and line.indent <= dash):
                break
            end += 1
        return _Block(at, end, owner=at, inline=True)

    def _column(self, block: _Block) -> int | None:
        """The column of the block's own keys: the item's, or its first line's."""
        if block.inline:
            return self.lines[block.start].column
        for number in _span(block):
            if self.lines[number].kind == _CONTENT:
                return self.lines[number].column
        return None

    def find_key(self, block: _Block, key: str) -> int | None:
        """The line of `key` in the block: at the block's own column first, else the
        first one deeper."""
        return self._remembered(("find", block, key), lambda: self._find_key(block, key))

    def _find_key(self, block: _Block, key: str) -> int | None:
        column = self._column(block)
        first = None
        for number in _span(block):
            line = self.lines[number]
            if line.kind == _CONTENT and line.key == key:
                if line.column == column:
                    return number
                if first is None:
                    first = number
        return first

    def items(self, block: _Block) -> list[int]:
        """The `- ` items of a list block, at its first item's indentation."""
        return self._remembered(("items", block), lambda: self._items(block))

    def _items(self, block: _Block) -> list[int]:
        lines = self.lines
        start = block.start + 1 if block.inline else block.start
        first = next((n for n in range(start, block.end) if lines[n].kind == _CONTENT), None)
        if first is None or not lines[first].item:
            return []
        dash = lines[first].indent
        return [
            n
            for n in range(first, block.end)
            if lines[n].kind == _CONTENT and lines[n].item and lines[n].indent == dash
        ]

    def choices(self, block: _Block) -> Choices:
        """The items of a list block, by their literal names."""
        return self._remembered(
            ("choices", block),
            lambda: Choices([self._item_name(at) for at in self.items(block)]),
        )

    def _item_name(self, at: int) -> str | None:
        column = self.lines[at].column
        for number in _span(self.item_block(at)):
            line = self.lines[number]
            if line.kind == _CONTENT and line.key == "name" and line.column == column:
                return _literal(line.value)
        return None


@functools.lru_cache(maxsize=256)
def _parsed(text: str) -> _Parsed:
    return _Parsed(text)


def _span(block: _Block) -> range:
    return range(block.start, block.end)


def _literal(value: str) -> str | None:
    """A scalar as written, when the template writes it literally; None when a template
    action computes it."""
    value = re.sub(r"\s+#.*$", "", value).strip()
    if not value or "{{" in value:
        return None
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


class Choices:
    """Which of a list's template items wrote a rendered item, from the items' literal
    names (None where the template computes the name), indexed once per list.

    An item whose literal name is the rendered item's wrote it (the nearest one at or
    before its index when there are several, as a template's two Issuers); else the
    item at its index, unless that item's literal name says it is another one; else
    the nearest one before it whose name is computed, since a `range` writes one item
    for all it renders (or the first after, when an `if` left out items before)."""

    def __init__(self, names: Sequence[str | None]):
        self.count = len(names)
        self.named: dict[str, list[int]] = {}
        for number, name in enumerate(names):
            if name is not None:
                self.named.setdefault(name, []).append(number)
        self.computed = [number for number, name in enumerate(names) if name is None]

    def choose(self, index: int, wanted: str | None) -> int | None:
        if self.count == 0:
            return None
        if wanted is None:
            return min(max(index, 0), self.count - 1)
        candidates = self.named.get(wanted) or self.computed
        if not candidates:
            return None
        before = bisect.bisect_right(candidates, index)
        return candidates[before - 1] if before else candidates[0]


def choose(names: Sequence[str | None], index: int, wanted: str | None) -> int | None:
    """Choices(names).choose(index, wanted)."""
    return Choices(names).choose(index, wanted)


def _child(node: Any, step: str | int) -> Any:
    if isinstance(step, str):
        return node.get(step) if isinstance(node, dict) else None
    if isinstance(node, list) and -len(node) <= step < len(node):
        return node[step]
    return None


class _Walk:
    """One finding's path through a template and the helpers it includes."""

    def __init__(self, sources: Sources | None):
        self.sources = sources
        self.walks = 0

    def follow(
        self, parsed: _Parsed, block: _Block, steps: Concrete, node: Any, depth: int = 0
    ) -> tuple[str | None, int | None, int]:
        """The file and 1-based line of the deepest step found, and how many steps were
        found. The file is None when it is the template's own (no helper)."""
        found: int | None = None
        resolved = 0
        for position, step in enumerate(steps):
            child = _child(node, step)
            at: int | None
            if isinstance(step, str):
                at = parsed.find_key(block, step)
                following = parsed.key_block
            else:
                name = child.get("name") if isinstance(child, dict) else None
                pick = parsed.choices(block).choose(step, name if isinstance(name, str) else None)
                at = None if pick is None else parsed.items(block)[pick]
                following = parsed.item_block
            if at is not None:
                found, resolved, block, node = at, resolved + 1, following(at), child
                continue
            # Not in the template itself: a helper it includes here may write it.
            helper = self._helpers(parsed, block, steps[position:], node, depth)
            if helper is not None:
                file, line, more = helper
                return file, line, resolved + more
            # Written by the template some other way (`resources: {{ toYaml ... }}`, a
            # list through `range` over values): what is below it is not in the text
            # either, and a deeper key of the same name would belong to something else.
            break
        return None, (found + 1 if found is not None else None), resolved

    def _helpers(
        self, parsed: _Parsed, block: _Block, steps: Concrete, node: Any, depth: int
    ) -> tuple[str | None, int | None, int] | None:
        if self.sources is None or depth >= _HELPER_DEPTH:
            return None
        lines = parsed.lines
        numbers = range(block.start if block.owner is None else block.owner, block.end)
        for name in (call for n in numbers for call in lines[n].calls):
            if self.walks >= _HELPER_WALKS:
                return None
            helper = self.sources.define(name)
            if helper is None:
                continue
            self.walks += 1
            template, line = helper
            inner = _parsed(template.text)
            body = inner.helper_body(line)
            file, found, resolved = self.follow(inner, body, steps, node, depth + 1)
            if resolved:
                return file or template.file, found, resolved
        return None


def _document(parsed: _Parsed, obj: RenderedObject) -> _Block:
    """The template's document that rendered `obj`. helm sorts the documents of its
    output by kind, keeping their order within a kind: the how-many-th of its kind
    picks among the documents whose literal `kind:` is the object's; else (a computed
    kind) the how-many-th document of the template, as a list item is chosen."""
    documents, kinds = parsed.documents, parsed.kinds
    exact = kinds.named.get(obj.kind)
    if exact:
        return documents[exact[min(obj.kind_index, len(exact) - 1)]]
    pick = kinds.choose(obj.source_index, obj.kind)
    return documents[pick if pick is not None else 0]


class Locator:
    """The file and line of findings on the objects of one chart's renderings."""

    def __init__(self, sources: Sources):
        self.sources = sources

    def __call__(self, obj: RenderedObject, path: Concrete) -> Location:
        template = self.sources.template(obj.source)
        if template is None:
            return obj.file, None
        parsed = _parsed(template.text)
        document = _document(parsed, obj)
        file, line, _ = _Walk(self.sources).follow(parsed, document, path, obj.body)
        if line is None:  # the object itself: its document's first line
            file, line = None, parsed.first_line(document) + 1
        # Files are named by the chart (folders, archive members): shown on one line,
        # like every name a chart chooses.
        return one_line(file or template.file), line


def manifest_line(text: str, line: int, path: Concrete, body: Any) -> int:
    """The line of `path` in the plain manifest `text`, in the document whose first
    line of content is `line` (1-based); that line when the path is not found."""
    parsed = _parsed(text)
    document = parsed.document_at(line - 1) or _Block(line - 1, len(parsed.lines))
    _, found, _ = _Walk(None).follow(parsed, document, path, body)
    return found or line
