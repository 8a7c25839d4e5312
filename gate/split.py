"""Split a rendered stream into RenderedObjects, each parsed exactly once.

helm separates documents with `---` lines and names each one's template in a
`# Source:` comment. Cutting the text at those lines ourselves (a `---` at the
start of a line ends a document in YAML too, even inside a block scalar) gives
every document its source and line for free, and each chunk is parsed by one
call to `parse_document`.

helm's output comes from a pull request too: a stream of more than
`limits.documents` documents (or List items), a document over
`limits.document_bytes`, and whatever `parse_document` refuses (alias bombs,
alias loops, nesting past `limits.yaml_depth`, values YAML cannot construct) are
a SplitError naming the template, the line and the limit.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gate.limits import DEFAULT_LIMITS, Limits
from gate.model import CLUSTER_SCOPED_KINDS, RenderedObject, one_line
from gate.sources import Sources, chart_sources
from gate.yamlload import BadValueError, DocumentRefused, DuplicateKeyError, parse_document

_DOC_START = re.compile(r"^---[ \t]*(?:#[^\n]*)?\r?$", re.MULTILINE)
_SOURCE = re.compile(r"^# Source: (.+?)\s*$", re.MULTILINE)
_CONTENT = re.compile(r"^(?![ \t]*(?:#|$)).", re.MULTILINE)


class SplitError(Exception):
    """A rendered document gate cannot take apart; names the template and line."""

    def __init__(self, message: str, source: str, line: int):
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line


@dataclass(frozen=True)
class StreamContext:
    """What the stream itself does not say: whose rendering it is."""

    target: str = ""
    profile: str = ""
    namespace: str = "default"
    chart: Path | None = None  # where `# Source:` paths point; None for plain manifests
    file: str = ""  # for plain manifests, the file the stream was read from
    limits: Limits = DEFAULT_LIMITS  # gate.yaml `limits:`
    sources: Sources | None = None  # the chart's templates on disk; None: read `chart`

    def source_file(self, source: str) -> str:
        """The file to open for a `# Source:` name: the template on disk, through aliases
        and archives (gate.sources); for plain manifests, the file itself."""
        if self.chart is None:
            return self.file
        sources = self.sources or chart_sources(self.chart, self.limits)
        return sources.file(source)


@dataclass(frozen=True)
class _Chunk:
    text: str
    source: str
    start_line: int  # the chunk's first line, 1-based, in the whole stream
    line: int  # its first content line


def _too_many(limits: Limits, line: int) -> SplitError:
    return SplitError(
        f"the rendering holds more than {limits.documents} documents and List items "
        "(limits.documents in gate.yaml); render fewer objects per target or raise that limit",
        "",
        line,
    )


def _chunks(stream: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[_Chunk]:
    """The text between `---` lines, with the stream line each starts on. Every `---`
    starts a document, empty or not; more than `limits.documents` is a SplitError."""
    separators = itertools.chain(_DOC_START.finditer(stream), [None])
    begin, start_line, documents = 0, 1, 0
    for index, match in enumerate(separators):
        if match is None:
            separator_start = next_begin = len(stream)
        else:
            separator_start, next_begin = match.start(), min(match.end() + 1, len(stream))
        text = stream[begin:separator_start]
        content = _CONTENT.search(text)
        if index > 0 or content is not None:  # not just comments before the first `---`
            documents += 1
            if documents > limits.documents:
                raise _too_many(limits, start_line)
        if content is not None:
            source = _SOURCE.search(text, 0, content.start())
            yield _Chunk(
                text=text,
                source=source.group(1) if source else "",
                start_line=start_line,
                line=start_line + text.count("\n", 0, content.start()),
            )
        start_line += stream.count("\n", begin, next_begin)
        begin = next_begin


def split_stream(
    stream: str, context: StreamContext | None = None, problems: list[SplitError] | None = None
) -> list[RenderedObject]:
    """Every Kubernetes object in `stream`, in stream order; `kind: List` expanded.
    A byte order mark at its start is ignored; bytes that are not UTF-8 are the
    caller's to report, before there is a `str`.

    A document gate cannot take (bad YAML, a key set twice, a List item that is not an
    object) raises SplitError, unless `problems` is given: then it is recorded there and
    the other documents (and the List's other items) are still split. `gate validate`
    reads files so, since one bad document says nothing about the rest; a rendering
    stays all or nothing (render-failed), as helm's own output should never hold one."""
    context = context or StreamContext()
    limits = context.limits
    if stream.startswith("\ufeff"):
        stream = stream[1:]
    objects: list[RenderedObject] = []
    per_source: dict[str, int] = {}
    per_kind: dict[tuple[str, str], int] = {}
    for doc_index, chunk in enumerate(_chunks(stream, limits)):
        try:
            body = _parse(chunk, limits)
        except SplitError as error:
            if problems is None:
                raise
            problems.append(error)
            continue
        if body is None:
            continue
        occurrence = per_source.get(chunk.source, 0)
        per_source[chunk.source] = occurrence + 1
        kind = (chunk.source, str(body.get("kind", "")))
        of_kind = per_kind.get(kind, 0)
        per_kind[kind] = of_kind + 1
        items = _expand(body, chunk, problems)
        if len(objects) + len(items) > limits.documents:
            raise _too_many(limits, chunk.line)
        for item in items:
            obj = _rendered_object(item, chunk, doc_index, context)
            objects.append(dataclasses.replace(obj, source_index=occurrence, kind_index=of_kind))
    return objects


def _where(chunk: _Chunk) -> str:
    return chunk.source or "the rendered stream"


def _utf8_size(text: str, limit: int) -> int:
    """len(text.encode()), encoding only when the count of characters leaves it open."""
    if len(text) * 4 <= limit or len(text) > limit:
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def _parse(chunk: _Chunk, limits: Limits) -> dict[str, Any] | None:
    size = _utf8_size(chunk.text, limits.document_bytes)
    if size > limits.document_bytes:
        raise SplitError(
            f"the document rendered from {_where(chunk)} is larger than "
            f"{limits.document_bytes} bytes (limits.document_bytes in gate.yaml); "
            "split it into smaller objects or raise that limit",
            chunk.source,
            chunk.line,
        )
    try:
        body = parse_document(chunk.text, limits=limits)
    except DuplicateKeyError as exc:
        raise SplitError(
            f"the document rendered from {_where(chunk)} sets key {exc.key!r} twice; "
            "the API server would keep only one, so fix the template",
            chunk.source,
            chunk.start_line + exc.line - 1,
        ) from None
    except (DocumentRefused, BadValueError) as exc:
        raise SplitError(
            f"the document rendered from {_where(chunk)} {exc.problem}",
            chunk.source,
            chunk.start_line + exc.line - 1,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        advice = (
            # libyaml stops at 1,000 levels, whatever limits.yaml_depth says
            "flatten it: no YAML reader gate uses goes deeper"
            if "nesting depth" in problem
            else "fix the template's indentation or quoting"
        )
        raise SplitError(
            f"the document rendered from {_where(chunk)} is not valid YAML ({problem}); {advice}",
            chunk.source,
            chunk.start_line + (mark.line if mark else 0),
        ) from None
    if body is None:
        return None
    if not isinstance(body, dict):
        raise SplitError(
            f"the document rendered from {_where(chunk)} is a {type(body).__name__}, "
            "not a Kubernetes object (a mapping with apiVersion and kind)",
            chunk.source,
            chunk.line,
        )
    return body


def _expand(
    body: dict[str, Any], chunk: _Chunk, problems: list[SplitError] | None
) -> list[dict[str, Any]]:
    if body.get("kind") == "List" or (
        str(body.get("kind", "")).endswith("List") and isinstance(body.get("items"), list)
    ):
        items = body.get("items") or []
        bad = [n for n, i in enumerate(items) if not isinstance(i, dict)]
        if bad:
            error = SplitError(
                f"a List rendered from {_where(chunk)} has an item that is not an object "
                f"(items[{bad[0]}] is {_shown(items[bad[0]])}); remove it or make it an object",
                chunk.source,
                chunk.line,
            )
            if problems is None:
                raise error
            problems.append(error)
        return [i for i in items if isinstance(i, dict)]
    return [body]


def _scalar(value: Any) -> str:
    """A field as an identity shows it: null is unset, not the word None."""
    return "" if value is None else str(value)


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


def _rendered_object(
    body: dict[str, Any], chunk: _Chunk, doc_index: int, context: StreamContext
) -> RenderedObject:
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    kind = _scalar(body.get("kind"))
    namespace = (
        "" if kind in CLUSTER_SCOPED_KINDS else str(metadata.get("namespace") or context.namespace)
    )
    # Plain manifests point at the file they came from; a rendering, at the template.
    source_file = context.source_file(chunk.source)
    # What names an object in findings and golden files is shown on one line: a name such
    # as "web\n::error::x" (a YAML escape helm lets through) must not write gate's output.
    return RenderedObject(
        target=context.target,
        profile=context.profile,
        api_version=one_line(_scalar(body.get("apiVersion"))),
        kind=one_line(kind),
        namespace=one_line(namespace),
        name=one_line(str(metadata.get("name", ""))),
        body=body,
        source=one_line(chunk.source),
        file=one_line(source_file),
        doc_index=doc_index,
        line=chunk.line,
    )
