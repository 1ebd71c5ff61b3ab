"""Memos bounded by the bytes they hold, not by their number of entries.

A count bound says nothing about memory when an entry's size follows the request: 10,000
tokens x 32 remembered paths of ~490 characters took one worker from 31 to 367 MiB under
the old count bounds. Each entry here is charged the length of the strings it keeps plus
a fixed overhead for the Python objects around them (dict slot, tuples, headers), measured
with tracemalloc on CPython 3.11: about 200 bytes for a remembered decision and 1,200 plus
twice the token's length for a verified token (its string, claims and key).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, ItemsView
from typing import Generic, TypeVar

__all__ = ["ENTRY_OVERHEAD", "TOKEN_OVERHEAD", "ByteMemo"]

ENTRY_OVERHEAD = 200
TOKEN_OVERHEAD = 1200

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ByteMemo(Generic[K, V]):
    """A dict of at most ``max_bytes`` (as charged by :meth:`put`), emptied when full.

    Emptied rather than LRU: it only saves rebuilding values that are cheap to rebuild,
    and a clear costs nothing per request. An entry larger than the whole bound is not
    kept. Not locked: a race can only mis-charge an entry, never grow past the bound by
    more than one entry per thread.
    """

    __slots__ = ("_data", "get", "max_bytes", "size")

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._data: dict[K, V] = {}
        # The dict's own method: a lookup is on every request's path, and a Python-level
        # wrapper would double its cost. clear() empties this same dict.
        self.get: Callable[[K], V | None] = self._data.get

    def put(self, key: K, value: V, nbytes: int) -> None:
        """Remember ``value``; ``nbytes`` is the length of the strings it and its key hold."""
        nbytes += ENTRY_OVERHEAD
        if nbytes > self.max_bytes:
            return
        if self.size + nbytes > self.max_bytes:
            self.clear()
        if key not in self._data:
            self.size += nbytes
        self._data[key] = value

    def clear(self) -> None:
        self._data.clear()
        self.size = 0

    def items(self) -> ItemsView[K, V]:
        return self._data.items()

    def __len__(self) -> int:
        return len(self._data)
