"""Figures one area provides and another shows, without importing it.

An area lower in the stack (ratings) reads a figure that an area beside it
(billing) knows; billing provides it here, and common imports neither.

    @fees_paid_sql.provide
    def fees_paid_expression(group_id, season_start): ...
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Hook(Generic[T]):
    """One provider; None when no area provides it."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc
        self._provider: Callable[..., T] | None = None

    def provide(self, provider: Callable[..., T]) -> Callable[..., T]:
        self._provider = provider
        return provider

    def __call__(self, *args: Any) -> T | None:
        return None if self._provider is None else self._provider(*args)


# (group id, season start: SQL expressions or bind parameters) → a scalar SQL expression: the
# money received for the season's fees, net of refunds (minor units). An expression, so that
# the value report reads it within its own totals query.
fees_paid_sql: Hook[Any] = Hook("fees paid for a group's season, as a scalar SQL expression")

# (the user id column, aggregate_of(*columns) → a JSON list aggregate in the dialect) → a scalar
# subquery correlated to the user: the companies they act for, as [id, name] pairs. Read with the
# signed-in user (members.auth.load_user), so the top bar and the dashboard need no query of their own.
user_companies_sql: Hook[Any] = Hook("the companies a user acts for, as a correlated JSON subquery")
