"""The sponsor's way in from the dashboard: a card per company they act for."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from markupsafe import Markup
from sqlalchemy import bindparam, select

from common.db import read_rows
from common.sections import dashboard_section
from common.templating import render
from members.models import Company
from sponsors.models import Sponsor


class CompanyCard(NamedTuple):
    companies: tuple[tuple[int, str], ...]  # (company id, name)


@lru_cache(maxsize=1)
def _companies_statement():
    return (select(Company.id, Company.name).join(Sponsor, Sponsor.company_id == Company.id)
            .where(Sponsor.user_id == bindparam("uid")).order_by(Company.name, Company.id))


@dashboard_section(order=3)
def sponsor_card(user: Any, _groups: Any) -> Markup | None:
    """The companies the user acts for, each a link to its portal (1 query)."""
    rows = tuple((cid, name) for cid, name in read_rows(_companies_statement(), {"uid": user.id}))
    return render("sponsors/_dashboard_card.html", CompanyCard(rows)) if rows else None
