"""A small bounded per-process cache of values built from a key that holds everything they show.

Used where a page or file is rebuilt often from mostly unchanged parts (the programme feed's entries,
the programme page's items): the key is the content, so a kept value is never stale, and the oldest
values go first when the cache is full. Safe to share between a worker's threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        """The value kept for key, or build() kept and returned (built outside the lock: two threads
        may both build a missing value; the values are equal)."""
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
                return value
        value = build()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
