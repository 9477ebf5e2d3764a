"""Foundation part of the demo seed: users, profiles, groups, memberships.

Builds rows directly (no emails are queued) and only flushes; the caller commits.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from common.audit import record_audit
from common.db import utcnow
from common.demo import demo_step
from extensions import db
from groups.models import Group, Invite, Membership
from groups.services import slugify
from members.models import Company, User
from members.services import create_user

# email, name, headline, company (name, CVR), industry, purposes, offers, seeks, bio
PEOPLE: list[tuple[str, str, str, tuple[str, str], str, list[str], list[str], list[str], str]] = [
    ("host@example.com", "Mette Lindholm", "Founder of Lindholm Advisory; I connect growth leaders",
     ("Lindholm Advisory ApS", "DK31245789"), "Management consulting", ["partners", "learning"],
     ["board experience", "introductions", "strategy"], ["speakers", "public tenders"],
     "Twenty years of scaling Danish B2B companies. I host the circle because the best deals I ever made came from people I met monthly, not once."),
    ("member1@example.com", "Anders Kjær", "CFO at Nordlys Software, scaling B2B SaaS",
     ("Nordlys Software A/S", "DK38114502"), "Software", ["partners", "learning"],
     ["fundraising", "pricing", "saas metrics"], ["export to germany", "esg reporting", "recruiting"],
     "Took Nordlys from 20 to 140 employees. Happy to share the board pack we used for our Series B."),
    ("member2@example.com", "Sofie Nørgaard", "Head of Sales Nordics, Vestas Service",
     ("Vestas Wind Systems A/S", "DK10403782"), "Energy", ["sales", "partners"],
     ["b2b sales", "public tenders", "export to germany"], ["ai adoption", "pricing"],
     "Ten years selling service contracts to utilities. I know how public tenders are won — and lost."),
    ("member3@example.com", "Jonas Holm", "Partner, Holm & Bruun Advokater",
     ("Holm & Bruun Advokatpartnerselskab", "DK36518422"), "Legal", ["sales", "lobbying"],
     ["legal contracts", "gdpr", "m&a"], ["b2b sales", "introductions"],
     "Commercial contracts and M&A for tech companies. Quick answers over coffee are free."),
    ("member4@example.com", "Camilla Friis", "Chief People Officer, Coop Danmark",
     ("Coop Danmark A/S", "DK26259495"), "Retail", ["learning", "career"],
     ["recruiting", "leadership training", "employer branding"], ["ai adoption", "saas metrics"],
     "I build teams of 40,000 people. Ask me about hiring in a tight labour market."),
    ("member5@example.com", "Rasmus Dahl", "CTO at Kvadrat Digital",
     ("Kvadrat Digital ApS", "DK40122871"), "IT services", ["partners", "sales"],
     ["cloud migration", "ai adoption", "data platforms"], ["fundraising", "legal contracts"],
     "Moved three enterprises off their mainframes. Now helping mid-size firms use AI without the hype."),
    ("member6@example.com", "Louise Bech", "Sustainability Director, Arla Foods",
     ("Arla Foods amba", "DK25313763"), "Food production", ["lobbying", "learning"],
     ["esg reporting", "csrd", "supply chain"], ["public tenders", "employer branding"],
     "Led Arla's first CSRD report. Keen to help others avoid the mistakes we made."),
    ("member7@example.com", "Mikkel Østergaard", "Managing Director, Østergaard Logistik",
     ("Østergaard Logistik A/S", "DK29871145"), "Logistics", ["sales", "partners"],
     ["supply chain", "export to germany", "warehousing"], ["cloud migration", "recruiting"],
     "Family-owned, 300 trucks, warehouses in Padborg and Hamburg."),
    ("member8@example.com", "Ida Vestergaard", "Brand Director, Pandora",
     ("Pandora A/S", "DK28505116"), "Consumer goods", ["learning", "career"],
     ["brand strategy", "employer branding", "content"], ["data platforms", "board experience"],
     "Global brand work, local heart. I love helping B2B companies sound human."),
    ("member9@example.com", "Kasper Lund", "Investment Director, Vækstfonden",
     ("EIFO", "DK30715063"), "Finance", ["partners", "lobbying"],
     ["fundraising", "board experience", "introductions"], ["saas metrics", "csrd"],
     "I back Danish growth companies and sit on five boards."),
    ("member10@example.com", "Emma Skov", "Founder & CEO, Skov Analytics",
     ("Skov Analytics ApS", "DK42233190"), "Data & analytics", ["sales", "career"],
     ["data platforms", "ai adoption", "saas metrics"], ["fundraising", "b2b sales", "introductions"],
     "Small team, big customers. Looking for my first enterprise deals and a seed round."),
    ("member11@example.com", "Frederik Bang", "Engineering Manager, Systematic",
     ("Systematic A/S", "DK78834412"), "Software", ["learning", "career"],
     ["leadership training", "cloud migration"], ["recruiting", "ai adoption"],
     "Leading 35 engineers in Aarhus building healthcare software."),
    ("member12@example.com", "Nanna Poulsen", "COO, Grundfos Digital",
     ("Grundfos Holding A/S", "DK31859151"), "Manufacturing", ["partners", "learning"],
     ["supply chain", "iot"], ["data platforms", "esg reporting"],
     "Connecting pumps to the cloud — and people to each other."),
    ("member13@example.com", "Oliver Thomsen", "Commercial Director, Danske Commodities",
     ("Danske Commodities A/S", "DK28865813"), "Energy trading", ["sales", "partners"],
     ["energy markets", "risk management"], ["introductions", "esg reporting"],
     "Trading power and gas across Europe. New to Copenhagen's growth scene."),
    ("host2@example.com", "Lars Mikkelsen", "Partner, Aarhus Venture Partners",
     ("Aarhus Venture Partners ApS", "DK39911827"), "Venture capital", ["partners"],
     ["fundraising", "introductions"], ["deal flow"],
     "I host Aarhus Tech Leaders for engineering leaders in Jutland."),
    ("applicant1@example.com", "Julie Hansen", "Head of Growth, Too Good To Go",
     ("Too Good To Go ApS", "DK37393246"), "Marketplaces", ["sales", "learning"],
     ["growth marketing", "content"], ["b2b sales", "fundraising"],
     "Scaling a marketplace across 17 countries."),
    ("applicant2@example.com", "Christian Møller", "Director, Møller Ejendomme",
     ("Møller Ejendomme A/S", "DK33669921"), "Real estate", ["partners"],
     ["office space", "property development"], ["introductions", "esg reporting"],
     "Commercial property in Greater Copenhagen."),
]


def _season_around(today: date) -> tuple[date, date]:
    """The August–June season that contains (or is nearest to) today."""
    start_year = today.year if today.month >= 8 else today.year - 1
    return date(start_year, 8, 1), date(start_year + 1, 6, 30)


@demo_step(order=10)
def foundation_step(ctx: dict[str, Any]) -> None:
    ctx.update(seed_foundation(ctx["password"]))


def seed_foundation(password: str) -> dict[str, Any]:
    """Create the demo users, profiles, groups and memberships; returns the shared ctx."""
    now = utcnow()
    users: dict[str, User] = {}
    companies: dict[str, Company] = {}
    for email, name, headline, (company_name, cvr), industry, purposes, offers, seeks, bio in PEOPLE:
        user = create_user(email, password, name, verified=True)
        company = companies.get(cvr)
        if company is None:
            company = Company(name=company_name, vat_number=cvr,
                              billing_email=f"invoices@{email.split('@')[0]}.example.com")
            db.session.add(company)
            companies[cvr] = company
        profile = user.profile
        profile.headline = headline
        profile.company = company
        profile.industry = industry
        profile.purposes = purposes
        profile.offers_tags = offers
        profile.seeks_tags = seeks
        profile.offers_text = ""
        profile.seeks_text = ""
        profile.bio = bio
        profile.linkedin_url = f"https://www.linkedin.com/in/{slugify(name)}"
        profile.phone = "+45 20 00 00 00"
        user.created_at = now - timedelta(days=200)
        users[email] = user
    db.session.flush()

    season_start, season_end = _season_around(now.date())
    group1 = Group(
        name="Copenhagen Growth Circle",
        slug="copenhagen-growth-circle",
        description=(
            "Twenty leaders of Danish growth companies who meet on the second Tuesday of every month "
            "in Nordhavn. Each meetup has one short talk, one member's challenge worked on by the whole "
            "table, and a dinner where the real conversations happen.\n\n"
            "We are here to give as much as we get: introductions, honest advice and the occasional deal. "
            "Members come from software, energy, retail, logistics, law and finance — one voice per field."
        ),
        city="Copenhagen",
        timezone="Europe/Copenhagen",
        currency="DKK",
        fee_minor=800_000,
        season_start=season_start,
        season_end=season_end,
        member_cap=20,
        visibility="public",
        join_policy="apply",
        created_at=now - timedelta(days=180),
    )
    group2 = Group(
        name="Aarhus Tech Leaders",
        slug="aarhus-tech-leaders",
        description=(
            "Engineering and product leaders in Jutland swapping what works: hiring, architecture, "
            "and leading teams through change. Monthly at Navitas by the harbour."
        ),
        city="Aarhus",
        timezone="Europe/Copenhagen",
        currency="DKK",
        fee_minor=450_000,
        season_start=season_start,
        season_end=season_end,
        member_cap=15,
        visibility="public",
        join_policy="apply",
        one_per_industry=False,
        created_at=now - timedelta(days=120),
    )
    db.session.add_all([group1, group2])
    db.session.flush()

    host, host2 = users["host@example.com"], users["host2@example.com"]
    members = [users[f"member{n}@example.com"] for n in range(1, 11)]

    def add(group: Group, user: User, *, role: str = "member", status: str = "active",
            joined_days_ago: int | None = 150, motivation: str = "", contribution: str = "") -> Membership:
        joined = now - timedelta(days=joined_days_ago) if status == "active" and joined_days_ago else None
        membership = Membership(
            user_id=user.id, group_id=group.id, role=role, status=status,
            motivation=motivation, contribution=contribution,
            applied_at=(joined or now) - timedelta(days=3), joined_at=joined,
            paid_through=season_end if status == "active" else None,
        )
        db.session.add(membership)
        return membership

    record_audit("group.created", actor_id=host.id, group_id=group1.id,
                 name=group1.name).created_at = now - timedelta(days=180)
    add(group1, host, role="host", joined_days_ago=180)
    for index, member in enumerate(members):
        add(group1, member, role="co-host" if index == 0 else "member", joined_days_ago=170 - index * 4,
            motivation="Peers who have scaled before me.", contribution=member.profile.offers_tags[0])
        entry = record_audit("membership.approved", actor_id=host.id, group_id=group1.id,
                             target_user_id=member.id, status="active")
        entry.created_at = now - timedelta(days=170 - index * 4, hours=2)
    record_audit("membership.role_changed", actor_id=host.id, group_id=group1.id, target_user_id=members[0].id,
                 role="co-host", previous_role="member").created_at = now - timedelta(days=120)
    add(group1, users["member13@example.com"], status="approved", joined_days_ago=None,
        motivation="Partners for our energy trading desk.", contribution="Energy market insight.")
    record_audit("membership.approved", actor_id=host.id, group_id=group1.id,
                 target_user_id=users["member13@example.com"].id, status="approved").created_at = now - timedelta(days=6)
    add(group1, users["applicant1@example.com"], status="applied", joined_days_ago=None,
        motivation="I want to learn how B2B companies sell, and find partners for our business offer.",
        contribution="Growth marketing across 17 countries; happy to run a session on content that sells.")
    add(group1, users["applicant2@example.com"], status="applied", joined_days_ago=None,
        motivation="Meet companies that will need office space as they grow.",
        contribution="Property market knowledge and a meeting room in Nordhavn for the group.")
    db.session.add(Invite(group_id=group1.id, email="guest@example.com", invited_by_id=host.id,
                          created_at=now - timedelta(days=2)))
    record_audit("invite.sent", actor_id=host.id, group_id=group1.id, email="guest@example.com")

    record_audit("group.created", actor_id=host2.id, group_id=group2.id, name=group2.name)
    add(group2, host2, role="host", joined_days_ago=120)
    add(group2, users["member11@example.com"], joined_days_ago=100)
    add(group2, users["member12@example.com"], joined_days_ago=90)
    db.session.flush()

    summary = [
        f"Group 1: {group1.name} (/groups/{group1.slug}) — host host@example.com, "
        "member1…member10@example.com active, member13 awaiting payment, 2 applications",
        f"Group 2: {group2.name} (/groups/{group2.slug}) — host host2@example.com, "
        "member11 and member12@example.com",
    ]
    return {
        "summary": summary,
        "users": users,
        "group1": group1,
        "group2": group2,
        "host": host,
        "host2": host2,
        "members": members,
        "season_start": season_start,
        "season_end": season_end,
    }
