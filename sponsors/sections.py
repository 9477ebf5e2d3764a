"""The sponsor's way in from the dashboard: a card per company they act for."""
from __future__ import annotations

from typing import Any, NamedTuple

from flask import g
from markupsafe import Markup
from sqlalchemy import delete, select

from common.hooks import user_companies_sql
from common.sections import dashboard_section
from common.templating import render
from extensions import db
from groups.models import Group, Membership
from members.models import Company
from members.privacy import export_section, on_delete_account
from sponsors.models import Share, Sponsor
from sponsors.services import companies_of


class CompanyCard(NamedTuple):
    companies: tuple[tuple[int, str], ...]  # (company id, name)


@user_companies_sql.provide
def companies_of_user(user_id: Any, aggregate_of: Any):
    """The companies the user acts for, read with the signed-in user (common.hooks)."""
    return (
        select(aggregate_of(Company.id, Company.name))
        .select_from(Sponsor).join(Company, Company.id == Sponsor.company_id)
        .where(Sponsor.user_id == user_id)
        .correlate_except(Sponsor, Company)
        .scalar_subquery()
    )


@dashboard_section(order=3)
def sponsor_card(user: Any, _groups: Any) -> Markup | None:
    """The companies the user acts for, each a link to its portal: brought with the
    signed-in user (members.auth.load_user), no query of its own."""
    rows = tuple(g.get("sponsored_companies", ()))
    return render("sponsors/_dashboard_card.html", CompanyCard(rows)) if rows else None


@export_section("sponsoring")
def export_sponsoring(user: Any) -> dict:
    """The companies I act for, and what I share with the company paying my seats (2 queries)."""
    companies = companies_of(user.id)
    shares = db.session.execute(
        select(Group.name, Company.name, Share.scores, Share.relationships, Share.outcomes, Share.updated_at)
        .join(Membership, Membership.id == Share.membership_id).join(Group, Group.id == Membership.group_id)
        .join(Company, Company.id == Share.company_id).where(Membership.user_id == user.id)
    ).all()
    return {
        "acts_for": [company.name for company in companies],
        "shares": [{"group": group, "company": company, "scores": scores, "relationships": relationships,
                    "outcomes": outcomes, "updated_at": updated.isoformat()}
                   for group, company, scores, relationships, outcomes, updated in shares],
    }


@on_delete_account
def forget_sponsoring(user: Any) -> None:
    """A deleted account acts for no company and shares nothing."""
    db.session.execute(delete(Sponsor).where(Sponsor.user_id == user.id))
    groups = tuple(db.session.scalars(select(Membership.group_id).where(Membership.user_id == user.id)))
    memberships = select(Membership.id).where(Membership.user_id == user.id)
    db.session.execute(delete(Share).where(Share.membership_id.in_(memberships)).execution_options(nq_group=groups))
