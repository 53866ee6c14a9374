"""Request fields as URL query parameters, both ways (grpc-gateway v2 semantics).

Client side, :func:`query_params`: every *set* field not bound by the path or body
becomes ``name=value`` (proto field names); a nested message's fields become
``outer.inner=value``, a repeated field one parameter per element, a map entry
``name[key]=value`` (keys sorted); enums by name, bytes base64, well-known types in the forms
:func:`~.values.format_value` gives. A repeated message field, or a map of messages, without a
text form cannot be a query parameter: :class:`QueryError`.

Server side, :func:`parse_query_string` is Go's ``url.ParseQuery`` (``&`` separates, a
``;`` or a bad ``%`` escape is an error, ``+`` is a space) and :func:`populate_query` is
``runtime.DefaultQueryParser.Parse``: names may be proto or JSON names; a parameter naming
no field is ignored (grpc-gateway logs and skips it; it is not an error); parameters under
a path- or body-bound field are skipped; a second value for a singular field, a value that
does not parse, a path through a non-message or a second member of a set oneof are
errors (:class:`ValueError` with grpc-gateway's wording).
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from .descriptors import FieldDesc, MessageDesc, has_presence, is_map, is_repeated
from .values import format_value, formattable, parse_value

__all__ = ["QueryError", "query_params", "encode_query", "parse_query_string", "populate_query"]

_F = FieldDescriptor
_MAP_KEY = re.compile(r"^(.*)\[(.*)\]$")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class QueryError(ValueError):
    """A set field of the request that no query parameter can carry."""


# -- client side ----------------------------------------------------------------------
def query_params(message: Message, skip: Iterable[str] = ()) -> List[Tuple[str, str]]:
    """``(name, value)`` pairs for the set fields of ``message``, leaving out the fields
    at (or under) the dotted paths in ``skip`` (those bound by the path or body)."""
    out: List[Tuple[str, str]] = []
    _walk(message, "", frozenset(skip), out)
    return out


def encode_query(pairs: Sequence[Tuple[str, str]]) -> str:
    """``pairs`` as a query string, every byte but ``[-_.~0-9A-Za-z]`` percent-encoded."""
    return "&".join(
        f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(v, safe='')}" for k, v in pairs
    )


def _walk(message: Message, prefix: str, skip: FrozenSet[str], out: List[Tuple[str, str]]) -> None:
    fd: FieldDesc
    for fd, value in message.ListFields():
        path = prefix + fd.name
        if path in skip:
            continue
        if is_map(fd):
            key_fd, value_fd = (
                fd.message_type.fields_by_name["key"],
                fd.message_type.fields_by_name["value"],
            )
            _require_text(value_fd, path)
            out.extend(
                (f"{path}[{format_value(key_fd, k)}]", format_value(value_fd, value[k]))
                for k in sorted(value)
            )
        elif is_repeated(fd):
            _require_text(fd, path)
            out.extend((path, format_value(fd, v)) for v in value)
        elif fd.message_type is not None and not formattable(fd.message_type):
            before = len(out)
            _walk(value, path + ".", skip, out)
            if len(out) == before and not any(s.startswith(path + ".") for s in skip):
                marker = _presence_marker(fd.message_type)
                if marker is not None:  # keep "set but empty": name one field at its default
                    out.append(
                        (f"{path}.{marker.name}", format_value(marker, marker.default_value))
                    )
        else:
            out.append((path, format_value(fd, value)))


def _require_text(fd: FieldDesc, path: str) -> None:
    if not formattable(fd.message_type):
        raise QueryError(
            f"field {path} ({fd.message_type.full_name}) cannot be sent as a query parameter"
        )


def _presence_marker(desc: MessageDesc) -> Optional[FieldDesc]:
    """A field whose default value can be sent to make an empty message present."""
    for fd in desc.fields:
        if (
            not is_repeated(fd)
            and fd.message_type is None
            and fd.containing_oneof is None
            and not has_presence(fd)
        ):
            return fd
    return None


# -- server side ----------------------------------------------------------------------
def parse_query_string(query: str) -> List[Tuple[str, str]]:
    """``(name, value)`` pairs of a raw query string, as Go's ``url.ParseQuery`` reads it;
    :class:`ValueError` for a ``;`` separator or a malformed escape."""
    pairs: List[Tuple[str, str]] = []
    for part in query.split("&") if query else ():
        if ";" in part:
            raise ValueError("invalid semicolon separator in query")
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((_unescape(key), _unescape(value)))
    return pairs


def _unescape(text: str) -> str:
    bad = _BAD_ESCAPE.search(text)
    if bad is not None:
        raise ValueError(f'invalid URL escape "{text[bad.start() : bad.start() + 3]}"')
    return urllib.parse.unquote_plus(text, errors="replace")


def populate_query(
    message: Message, pairs: Sequence[Tuple[str, str]], skip: Iterable[Sequence[str]] = ()
) -> None:
    """Set the fields of ``message`` named by ``pairs`` (grpc-gateway's query parser).

    ``skip`` holds field paths (proto names) bound elsewhere: a parameter at or under one
    is ignored. :class:`ValueError` for a parameter that names a field but cannot set it."""
    grouped: Dict[str, List[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    skipped = [tuple(s) for s in skip]
    for key, values in grouped.items():
        m = _MAP_KEY.match(key)
        if m is not None:
            key, values = m.group(1), [m.group(2), *values]
        path = _normalize(message.DESCRIPTOR, key.split("."))
        if any(tuple(path[: len(s)]) == s for s in skipped):
            continue
        set_field_path(message, path, values)


def set_field_path(message: Message, path: Sequence[str], values: Sequence[str]) -> None:
    """grpc-gateway's ``populateFieldValueFromPath``: set the field at ``path`` (proto or
    JSON names) from ``values``. A name that is no field ends the walk silently (messages
    on the way stay created, as in Go)."""
    fd: Optional[FieldDesc] = None
    for i, name in enumerate(path):
        fd = _field(message.DESCRIPTOR, name)
        if fd is None:
            return
        oneof = fd.containing_oneof
        if oneof is not None and not _synthetic(oneof):
            current = message.WhichOneof(oneof.name)
            if current is not None and (fd.message_type is None or current != fd.name):
                raise ValueError(f'field already set for oneof "{oneof.name}"')
        if i == len(path) - 1:
            break
        if fd.message_type is None or is_repeated(fd):
            raise ValueError(f'invalid path: "{name}" is not a message')
        message = getattr(message, fd.name)
        message.SetInParent()
    assert fd is not None
    name = fd.name
    if is_map(fd):
        if len(values) != 2:
            raise ValueError(
                f'more than one value provided for key "{values[0]}" in map "{fd.full_name}"'
            )
        key_fd, value_fd = (
            fd.message_type.fields_by_name["key"],
            fd.message_type.fields_by_name["value"],
        )
        key = _parse(key_fd, values[0], f'parsing map key "{name}"')
        value = _parse(value_fd, values[1], f'parsing map value "{name}"')
        target = getattr(message, name)
        if value_fd.message_type is not None:
            target[key].CopyFrom(value)
        else:
            target[key] = value
        return
    if is_repeated(fd):
        items = [_parse(fd, v, f'parsing list "{name}"') for v in values]
        target = getattr(message, name)
        if fd.message_type is not None:
            for item in items:
                target.add().CopyFrom(item)
        else:
            target.extend(items)
        return
    if len(values) > 1:
        raise ValueError(f'too many values for field "{name}": {", ".join(values)}')
    value = _parse(fd, values[0], f'parsing field "{name}"')
    if fd.message_type is not None:
        getattr(message, name).CopyFrom(value)
    else:
        setattr(message, name, value)


def _parse(fd: FieldDesc, text: str, context: str) -> Any:
    try:
        return parse_value(fd, text)
    except ValueError as exc:
        raise ValueError(f"{context}: {exc}") from None


def _normalize(desc: MessageDesc, path: List[str]) -> List[str]:
    """grpc-gateway's ``normalizeFieldPath``: the path in proto names when every step
    names a field (through singular messages), else the path unchanged."""
    out: List[str] = []
    for i, name in enumerate(path):
        fd = _field(desc, name)
        if fd is None:
            return path
        out.append(fd.name)
        if i == len(path) - 1:
            break
        if fd.message_type is None or is_repeated(fd):
            return path
        desc = fd.message_type
    return out


def _field(desc: MessageDesc, name: str) -> Optional[FieldDesc]:
    fd = desc.fields_by_name.get(name)
    return fd if fd is not None else _json_names(desc).get(name)


@functools.lru_cache(maxsize=None)
def _json_names(desc: MessageDesc) -> Dict[str, FieldDesc]:
    return {fd.json_name: fd for fd in desc.fields}


def _synthetic(oneof: Any) -> bool:
    """Whether ``oneof`` is the synthetic oneof of a proto3 ``optional`` field (protoc
    names it ``_<field>``, prefixed with ``X`` until unique)."""
    fields = oneof.fields
    return len(fields) == 1 and oneof.name.lstrip("X") == "_" + fields[0].name
