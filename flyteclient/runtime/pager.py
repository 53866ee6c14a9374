"""Lazy iteration over every page of a list RPC (the base of the generated ``iter_*``)."""

from __future__ import annotations

from typing import Any, AsyncIterator, Callable, Generic, Iterator, Optional, Set, TypeVar

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
        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 0 < page_size < 2**32
        ):
            raise ValueError(
                f"page_size must be a positive int below 2**32 (the uint32 limit field), got {page_size!r}"
            )
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0
        ):
            raise ValueError(f"limit must be a positive int or None, got {limit!r}")
        self._fetch = fetch
        self._request = request
        self._items_field = items_field
        self.page_size = page_size
        self.limit = limit

    def pages(self) -> Iterator[Any]:
        """Each response message in turn (the last one may be cut short by ``limit``)."""
        cursor = _Cursor(self)
        while True:
            page = cursor.trim(self._fetch(cursor.request))
            yield page
            if not cursor.advance(page):
                return

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from getattr(page, self._items_field)


class AsyncPager(Pager[T]):
    """:class:`Pager` for the async client: ``async for item in client.iter_tasks(...)``,
    and ``async for page in pager.pages()``; ``fetch`` returns an awaitable page."""

    async def pages(self) -> AsyncIterator[Any]:  # type: ignore[override]
        """Each response message in turn (the last one may be cut short by ``limit``)."""
        cursor = _Cursor(self)
        while True:
            page = cursor.trim(await self._fetch(cursor.request))
            yield page
            if not cursor.advance(page):
                return

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in getattr(page, self._items_field):
                yield item

    def __iter__(self) -> Iterator[T]:
        raise TypeError("an AsyncPager is iterated with `async for`")


class _Cursor:
    """Where one iteration of a pager is: the next request (page size, token), the items
    still wanted under ``limit``, and the tokens seen (a repeated one would never end)."""

    def __init__(self, pager: Pager[Any]) -> None:
        self.request = type(pager._request)()
        self.request.CopyFrom(pager._request)
        self._items_field = pager._items_field
        self._page_size = pager.page_size
        self._remaining = pager.limit
        self._seen: Set[str] = set()
        self._set_limit()

    def _set_limit(self) -> None:
        remaining = self._remaining
        self.request.limit = (
            self._page_size if remaining is None else min(self._page_size, remaining)
        )

    def trim(self, page: Any) -> Any:
        """``page`` without the items past ``limit``."""
        items = getattr(page, self._items_field)
        if self._remaining is not None and len(items) > self._remaining:
            del items[self._remaining :]
        return page

    def advance(self, page: Any) -> bool:
        """Move to the page after ``page``; False when ``page`` was the last one."""
        items = getattr(page, self._items_field)
        if self._remaining is not None:
            self._remaining -= len(items)
        token = page.token
        if not token or not items or self._remaining == 0:
            return False
        if token in self._seen or token == self.request.token:
            raise PaginationError(
                f"server returned page token {token!r} twice for {type(self.request).__name__}; stopping"
            )
        self._seen.add(token)
        self.request.token = token
        self._set_limit()
        return True
