"""Offset-token pagination exactly as flyteadmin computes it."""

from __future__ import annotations

from typing import List, Sequence, Tuple, TypeVar

from .errors import invalid

T = TypeVar("T")


def parse_token(token: str, rpc: str) -> int:
    """Decode a page token (decimal row offset, empty = 0)."""
    if not token:
        return 0
    if not token.isdigit() or not token.isascii():
        raise invalid(f"invalid pagination token {token} for {rpc}")
    return int(token)


def check_limit(limit: int) -> None:
    if limit == 0:
        raise invalid("invalid value for limit")


def paginate(
    items: Sequence[T], limit: int, token: str, rpc: str, zero_means_all: bool = False
) -> Tuple[List[T], str]:
    """Return ``(page, next_token)``.

    ``limit == 0`` is INVALID_ARGUMENT ``invalid value for limit`` unless
    ``zero_means_all`` (ListProjects).  The next token is
    ``offset + len(page)`` whenever the page is full (so a full last page still
    yields a token and the following page is empty), else ``""``.
    """
    if limit == 0 and not zero_means_all:
        check_limit(limit)
    offset = parse_token(token, rpc)
    if limit == 0:
        page = list(items[offset:])
        return page, ""
    page = list(items[offset : offset + limit])
    next_token = str(offset + len(page)) if len(page) == limit else ""
    return page, next_token
