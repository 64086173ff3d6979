"""Lookups shared by the records of one batch (``field.services.submissions_receive``).

Inside ``shared_lookups()`` a value ``remembered`` under a key is computed once and reused
for the rest of the block — the published instrument version that twenty records of one
batch fill, whether it applies to the visited institution. Outside the block nothing is
kept: every call computes. The block is short (one request, one transaction), so a value
cannot go stale in a way the transaction would not see either.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[object, object] | None] = ContextVar("kuzet_shared_lookups", default=None)


@contextmanager
def shared_lookups() -> Iterator[None]:
    """Remember lookups for the rest of the block (nested blocks share the outer one's)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembered(key: object, compute: Callable[[], T]) -> T:
    """``compute()``, or inside ``shared_lookups()`` the value computed for ``key`` before."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[return-value]
