"""One page of a long list, shared by every listing (public and organiser)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from forum.extensions import db


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    total: int
    size: int

    @property
    def has_next(self) -> bool:
        return self.number * self.size < self.total

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def paginate(query: Select, number: int, size: int) -> Page:
    """Page `number` (from 1) of `query`, counting the whole result once."""
    number = max(number, 1)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(db.session.scalars(query.limit(size).offset((number - 1) * size)))
    return Page(items=items, number=number, total=total, size=size)
