"""Server answers that page like flyteadmin: token = offset, set only when a page is full."""

from __future__ import annotations

from typing import Any, Callable


def offset_pages(
    total: int, make_item: Callable[[int], Any], list_type: type, field: str
) -> Callable[[Any, Any], Any]:
    """An answer for a List RPC over ``total`` items built by ``make_item(index)``."""

    def answer(request: Any, metadata: Any) -> Any:
        offset = int(request.token or 0)
        items = [make_item(i) for i in range(offset, min(offset + request.limit, total))]
        token = str(offset + len(items)) if len(items) == request.limit else ""
        return list_type(**{field: items, "token": token})

    return answer
