"""A small reader for the ``admin:`` / ``console:`` part of flytectl's config.yaml, used
when PyYAML is not installed.

It reads nested mappings of scalars, block or ``[flow]`` lists, quotes and comments, like
PyYAML would. Other top-level sections are skipped unread, so e.g. a ``storage:`` section
using YAML features the reader does not know cannot break the client; an unsupported
construct inside ``admin:`` raises :class:`ConfigError` naming the file and line and
suggesting ``pip install pyyaml``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Tuple

from .errors import ConfigError

__all__ = ["parse_yaml_subset"]

_WANTED_SECTIONS = {"admin", "console", "flyteclient"}
_YAML_TRUE = {"true", "yes", "on", "y"}
_YAML_FALSE = {"false", "no", "off", "n"}


@dataclass
class _Line:
    number: int
    indent: int
    text: str


def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def parse_yaml_subset(text: str, path: Path) -> Dict[str, Any]:
    """The ``admin:`` and ``console:`` sections of ``text`` (read from ``path``) as a dict."""
    lines: List[_Line] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        content = _strip_comment(raw)
        if not content.strip() or content.strip() in ("---", "..."):
            continue
        indent = len(content) - len(content.lstrip(" "))
        lines.append(_Line(number, indent, content.strip()))

    result: Dict[str, Any] = {}
    i = 0
    while i < len(lines):
        start = i
        i += 1
        while i < len(lines) and lines[i].indent > 0:
            i += 1
        head = lines[start]
        if head.indent != 0:
            raise _unsupported(path, head, "unexpected indentation")
        key, rest = _split_key(head, path)
        if key not in _WANTED_SECTIONS:
            continue  # not needed by the client; never parsed
        block = lines[start + 1 : i]
        if rest:
            result[key] = _scalar(rest, head, path)
        elif block:
            value, used = _parse_node(block, 0, block[0].indent, path)
            if used != len(block):
                raise _unsupported(path, block[used], "bad indentation")
            result[key] = value
        else:
            result[key] = None
    return result


def _unsupported(path: Path, line: _Line, what: str) -> ConfigError:
    return ConfigError(
        f"{path}, line {line.number}: {what}. flyteclient's built-in YAML reader handles "
        "nested mappings of scalars and lists; `pip install pyyaml` for full YAML support."
    )


def _split_key(line: _Line, path: Path) -> Tuple[str, str]:
    text = line.text
    if text[:1] in ("'", '"'):
        end = text.find(text[0], 1)
        if end < 0 or not text[end + 1 :].startswith(":"):
            raise _unsupported(path, line, "expected `key: value`")
        return text[1:end], text[end + 2 :].strip()
    match = re.match(r"^([^:]+?):(?:\s+(.*))?$", text)
    if not match:
        raise _unsupported(path, line, "expected `key: value`")
    return match.group(1).strip(), (match.group(2) or "").strip()


def _parse_node(lines: List[_Line], i: int, indent: int, path: Path) -> Tuple[Any, int]:
    if lines[i].text == "-" or lines[i].text.startswith("- "):
        items = []
        while i < len(lines) and lines[i].indent == indent and lines[i].text.startswith("-"):
            item = lines[i].text[1:].strip()
            if not item or re.match(r"^[^'\"\[{]*:(\s|$)", item):
                raise _unsupported(path, lines[i], "lists of mappings are not supported")
            items.append(_scalar(item, lines[i], path))
            i += 1
        return items, i
    mapping: Dict[str, Any] = {}
    while i < len(lines) and lines[i].indent == indent:
        line = lines[i]
        key, rest = _split_key(line, path)
        i += 1
        if rest:
            mapping[key] = _scalar(rest, line, path)
        elif i < len(lines) and (
            lines[i].indent > indent
            or (lines[i].indent == indent and lines[i].text.startswith("- "))
        ):
            mapping[key], i = _parse_node(lines, i, lines[i].indent, path)
        else:
            mapping[key] = None
    if i < len(lines) and lines[i].indent > indent:
        raise _unsupported(path, lines[i], "bad indentation")
    return mapping, i


def _scalar(text: str, line: _Line, path: Path) -> Any:
    if text[0] in "&*!|>%@`":
        raise _unsupported(path, line, f"YAML feature {text[0]!r} is not supported")
    if text[0] == "[":
        if not text.endswith("]"):
            raise _unsupported(path, line, "multi-line flow lists are not supported")
        inner = text[1:-1].strip()
        return [_scalar(part, line, path) for part in _split_flow(inner)] if inner else []
    if text[0] == "{":
        if text.replace(" ", "") == "{}":
            return {}
        raise _unsupported(path, line, "flow mappings are not supported")
    if text[0] == '"':
        try:
            return json.loads(text)
        except ValueError:
            raise _unsupported(path, line, "bad double-quoted string") from None
    if text[0] == "'":
        if len(text) < 2 or not text.endswith("'"):
            raise _unsupported(path, line, "bad single-quoted string")
        return text[1:-1].replace("''", "'")
    lowered = text.lower()
    if lowered in ("null", "~"):
        return None
    if lowered in _YAML_TRUE:
        return True
    if lowered in _YAML_FALSE:
        return False
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    return text


def _split_flow(inner: str) -> List[str]:
    parts, current, quote = [], "", None
    for ch in inner:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == ",":
            parts.append(current.strip())
            current = ""
            continue
        current += ch
    parts.append(current.strip())
    return [p for p in parts if p]
