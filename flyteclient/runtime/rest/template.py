"""``google.api.http`` path templates: parse, expand (client side) and match (server side).

Grammar (``google/api/http.proto``)::

    Template = "/" Segments [ Verb ] ;
    Segments = Segment { "/" Segment } ;
    Segment  = "*" | "**" | LITERAL | Variable ;
    Variable = "{" FieldPath [ "=" Segments ] "}" ;
    FieldPath = IDENT { "." IDENT } ;
    Verb     = ":" LITERAL ;

``{var}`` is ``{var=*}``. A ``**`` (at most one per template) matches zero or more
segments and may be followed by literal or ``*`` segments.

Expanding percent-encodes a variable's value as the spec says: every character but
``[-_.~0-9A-Za-z]`` for a one-segment variable, and also keeping ``/`` for a
multi-segment one (``{name=shelves/*/books/*}``, ``{path=**}``). The spec would send a
``/`` inside a one-segment value as ``%2F``; flyteadmin cannot route that (below), so
:meth:`PathTemplate.expand` refuses it instead.

Matching takes the path already split into *decoded* segments. flyteadmin's
grpc-gateway (v2, ``UnescapingModeLegacy``, its default) decodes the whole path before
splitting it at ``/``, so a ``%2F`` inside a one-segment value splits it and the route does
not match: that is what :meth:`PathTemplate.match` sees when given
``unquote(path).split("/")``.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple, Union

__all__ = ["Segment", "Variable", "PathTemplate", "TemplateError", "parse_template"]

LITERAL, WILDCARD, DEEP = "literal", "*", "**"

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LITERAL_STOP = "/{}*=:"
_UNROUTABLE = ("", ".", "..")
# A value made only of these needs no percent-encoding and fits any one-segment variable.
_PLAIN = re.compile(r"[-_~0-9A-Za-z][-_.~0-9A-Za-z]*\Z")


class TemplateError(ValueError):
    """A path template that does not follow the ``google.api.http`` grammar."""


@dataclass(frozen=True)
class Segment:
    """One path segment of a template: a literal, ``*`` (one segment) or ``**`` (any)."""

    kind: str
    text: str = ""

    def __str__(self) -> str:
        return self.text if self.kind == LITERAL else self.kind


@dataclass(frozen=True)
class Variable:
    """A ``{field.path=...}`` capture: segments ``[start, end)`` of the template."""

    field_path: Tuple[str, ...]
    start: int
    end: int

    @functools.cached_property
    def name(self) -> str:
        """The dotted field path, e.g. ``"id.project"``."""
        return ".".join(self.field_path)


@dataclass(frozen=True)
class PathTemplate:
    """A parsed template. Build one with :func:`parse_template`."""

    text: str
    segments: Tuple[Segment, ...]
    variables: Tuple[Variable, ...]
    verb: str = ""

    @property
    def field_paths(self) -> Tuple[str, ...]:
        """Dotted field paths bound by the template, in order."""
        return tuple(v.name for v in self.variables)

    def is_multi_segment(self, var: Variable) -> bool:
        """Whether ``var`` can span several segments (its value keeps ``/`` unencoded)."""
        segs = self.segments[var.start : var.end]
        return len(segs) != 1 or segs[0].kind == DEEP

    # -- client side ------------------------------------------------------------
    def expand(self, values: Mapping[str, str]) -> str:
        """The percent-encoded path for ``values`` (dotted field path -> unencoded text).

        Raises :class:`ValueError` when a variable has no value or a value the server
        could not route back to it: a ``/`` in a one-segment value (flyteadmin decodes
        ``%2F`` before splitting the path, so the value would split and the request go to
        another route or none), an empty, ``.`` or ``..`` segment, a value of
        ``{name=shelves/*}`` not of that form. Unnamed ``*``/``**`` cannot be expanded."""
        parts: List[str] = []
        for step in self._plan:
            if isinstance(step, str):
                parts.append(step)
                continue
            var, multi = step
            value = values.get(var.name)
            if value is None:
                raise ValueError(f"template {self.text!r}: no value for {{{var.name}}}")
            if not multi and _PLAIN.match(value):
                parts.append(value)  # the common case: nothing to check or encode
                continue
            if not _fits(self.segments[var.start : var.end], value.split("/")):
                raise ValueError(
                    f"template {self.text!r}: value {value!r} does not fit {{{var.name}}}"
                )
            parts.append(urllib.parse.quote(value, safe="/" if multi else ""))
        path = "/" + "/".join(parts)
        return f"{path}:{urllib.parse.quote(self.verb, safe='')}" if self.verb else path

    @functools.cached_property
    def _plan(self) -> Tuple[Union[str, Tuple[Variable, bool]], ...]:
        """What :meth:`expand` writes, segment by segment: an encoded literal, or a variable
        (and whether it spans segments). Made once per template."""
        plan: List[Union[str, Tuple[Variable, bool]]] = []
        variables = {v.start: v for v in self.variables}
        i = 0
        while i < len(self.segments):
            var = variables.get(i)
            if var is None:
                seg = self.segments[i]
                if seg.kind != LITERAL:
                    raise ValueError(
                        f"template {self.text!r}: unnamed {seg.kind} segment cannot be expanded"
                    )
                plan.append(urllib.parse.quote(seg.text, safe=""))
                i += 1
                continue
            plan.append((var, self.is_multi_segment(var)))
            i = var.end
        return tuple(plan)

    # -- server side ------------------------------------------------------------
    def match(self, components: List[str]) -> Optional[Dict[str, str]]:
        """Captured variables (dotted path -> text) if ``components`` (the path after its
        leading ``/``, split at ``/``, each segment decoded) match, else ``None``."""
        comps = list(components)
        if self.verb:
            suffix = ":" + self.verb
            if not comps or not comps[-1].endswith(suffix) or comps[-1] == suffix:
                return None
            comps[-1] = comps[-1][: -len(suffix)]
        spans = _spans(self.segments, comps)
        if spans is None:
            return None
        return {
            v.name: "/".join(comps[spans[v.start][0] : spans[v.end - 1][1]]) for v in self.variables
        }

    def __str__(self) -> str:
        return self.text


def _spans(segments: Tuple[Segment, ...], comps: List[str]) -> Optional[List[Tuple[int, int]]]:
    """For each template segment, the ``[start, end)`` range of ``comps`` it covers, or
    ``None`` when the components do not match (grpc-gateway's ``MatchAndEscape``)."""
    spans: List[Tuple[int, int]] = []
    pos = 0
    for index, seg in enumerate(segments):
        if seg.kind == DEEP:
            tail = len(segments) - index - 1
            end = len(comps) - tail
            if end < pos:
                return None
            spans.append((pos, end))
            pos = end
            continue
        if pos >= len(comps) or (seg.kind == LITERAL and comps[pos] != seg.text):
            return None
        spans.append((pos, pos + 1))
        pos += 1
    return spans if pos == len(comps) else None


def _fits(segments: Tuple[Segment, ...], comps: List[str]) -> bool:
    """Whether a value split at ``/`` into ``comps`` can be sent for a variable of
    ``segments`` and reach the server intact: each segment matches, and none is empty,
    ``.`` or ``..`` (Go's HTTP server redirects such paths to their cleaned form)."""
    spans = _spans(segments, comps)
    return spans is not None and all(c not in _UNROUTABLE for c in comps)


def parse_template(text: str) -> PathTemplate:
    """Parse ``text`` (e.g. ``/api/v1/tasks/{id.project}/{id.domain}``) into a
    :class:`PathTemplate`; :class:`TemplateError` when it is not a valid template."""
    return _Parser(text).template()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.segments: List[Segment] = []
        self.variables: List[Variable] = []

    def fail(self, why: str) -> TemplateError:
        return TemplateError(f"invalid path template {self.text!r} at offset {self.pos}: {why}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def template(self) -> PathTemplate:
        if self.peek() != "/":
            raise self.fail("a template starts with '/'")
        self.pos += 1
        self.segments_until(stop="")
        verb = ""
        if self.peek() == ":":
            self.pos += 1
            verb = self.literal()
        if self.pos != len(self.text):
            raise self.fail(f"unexpected {self.peek()!r}")
        if sum(s.kind == DEEP for s in self.segments) > 1:
            raise self.fail("at most one '**' per template")
        names = [v.name for v in self.variables]
        if len(set(names)) != len(names):
            raise self.fail("a field is bound twice")
        return PathTemplate(self.text, tuple(self.segments), tuple(self.variables), verb)

    def segments_until(self, stop: str) -> None:
        while True:
            self.segment(in_variable=bool(stop))
            if self.peek() != "/":
                break
            self.pos += 1
        if stop and self.peek() != stop:
            raise self.fail(f"expected {stop!r}")

    def segment(self, in_variable: bool) -> None:
        ch = self.peek()
        if ch == "*":
            if self.text.startswith("**", self.pos):
                self.pos += 2
                self.segments.append(Segment(DEEP))
            else:
                self.pos += 1
                self.segments.append(Segment(WILDCARD))
        elif ch == "{":
            if in_variable:
                raise self.fail("variables cannot nest")
            self.variable()
        else:
            self.segments.append(Segment(LITERAL, self.literal()))

    def variable(self) -> None:
        self.pos += 1
        end = self.pos
        while end < len(self.text) and self.text[end] not in "=}":
            end += 1
        path = self.text[self.pos : end]
        fields = tuple(path.split("."))
        if not all(_IDENT.match(f) for f in fields):
            raise self.fail(f"bad field path {path!r}")
        self.pos = end
        start = len(self.segments)
        if self.peek() == "=":
            self.pos += 1
            self.segments_until(stop="}")
        else:
            self.segments.append(Segment(WILDCARD))
        if self.peek() != "}":
            raise self.fail("expected '}'")
        self.pos += 1
        self.variables.append(Variable(fields, start, len(self.segments)))

    def literal(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _LITERAL_STOP:
            self.pos += 1
        if self.pos == start:
            raise self.fail("expected a literal")
        return self.text[start : self.pos]
