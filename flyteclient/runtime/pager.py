"""Lazy iteration over every page of a list RPC (the base of the generated ``iter_*``)."""

from __future__ import annotations

from typing import Any, Callable, Generic, Iterator, Optional, TypeVar

from .exceptions import FlyteException

T = TypeVar("T")


class PaginationError(FlyteException):
    """The server repeated a page token: iterating further would never end."""


class Pager(Generic[T]):
    """Iterates the items of a paginated list RPC, fetching pages as they are needed.

    Only the current page is held in memory. Iteration stops on an empty next token or
    an empty page, after ``limit`` items when a limit is set, and raises
    :class:`PaginationError` if the server returns a token it returned before.
    ``pages()`` iterates whole response messages instead of items.
    """

    def __init__(
        self,
        fetch: Callable[[Any], Any],
        request: Any,
        items_field: str,
        page_size: int = 100,
        limit: Optional[int] = None,
    ) -> None:
        if isinstance(page_size, bool) or not isinstance(page_size, int) or not 0 < page_size < 2**32:
            raise ValueError(f"page_size must be a positive int below 2**32 (the uint32 limit field), got {page_size!r}")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0):
            raise ValueError(f"limit must be a positive int or None, got {limit!r}")
        self._fetch = fetch
        self._request = request
        self._items_field = items_field
        self.page_size = page_size
        self.limit = limit

    def pages(self) -> Iterator[Any]:
        """Each response message in turn (the last one may be cut short by ``limit``)."""
        request = type(self._request)()
        request.CopyFrom(self._request)
        seen = set()
        remaining = self.limit
        while True:
            request.limit = self.page_size if remaining is None else min(self.page_size, remaining)
            page = self._fetch(request)
            items = getattr(page, self._items_field)
            if remaining is not None and len(items) > remaining:
                del items[remaining:]
            yield page
            if remaining is not None:
                remaining -= len(items)
            token = page.token
            if not token or not items or remaining == 0:
                return
            if token in seen or token == request.token:
                raise PaginationError(
                    f"server returned page token {token!r} twice for {type(request).__name__}; stopping"
                )
            seen.add(token)
            request.token = token

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from getattr(page, self._items_field)
