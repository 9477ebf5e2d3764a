"""A member's data export holds everything tied to them; deleting the account ends sponsoring and sharing."""
from __future__ import annotations

from sqlalchemy import select


def test_the_export_holds_rsvps_attendance_payments_connections_and_sharing(client, auth, world):
    auth.login(world.sharer)
    data = client.get("/account/export").get_json(force=True)
    assert [r["meetup"] for r in data["rsvps"]] == ["September meetup"]
    assert data["rsvps"][0]["checked_in_at"] is not None  # attendance
    [payment] = data["payments"]
    assert payment["paid_by_me"] and payment["company"] == "Nordlys A/S" and payment["status"] == "paid"
    assert payment["invoice"]  # the invoice number
    assert {c["with"] for c in data["ratings"]["connections"]} == {"Quentin Quiet"}  # mutual clicks
    assert data["sponsoring"]["shares"] == [{
        "group": "Copenhagen Founders", "company": "Nordlys A/S", "scores": True, "relationships": True,
        "outcomes": True, "updated_at": data["sponsoring"]["shares"][0]["updated_at"]}]
    text = client.get("/account/export").get_data(as_text=True)
    assert "Mia Member" not in text and "Private remark of Quentin" not in text  # nothing of others


def test_a_seat_paid_by_someone_else_is_in_the_export(client, auth, world):
    auth.login(world.quiet)
    [payment] = client.get("/account/export").get_json(force=True)["payments"]
    assert not payment["paid_by_me"] and payment["company"] == "Nordlys A/S"


def test_a_sponsor_export_names_the_company(client, auth, world):
    auth.login(world.sponsor_a)
    assert client.get("/account/export").get_json(force=True)["sponsoring"]["acts_for"] == ["Nordlys A/S"]


def test_deleting_the_account_ends_sponsoring_and_sharing(db, world):
    from members.privacy import delete_account
    from sponsors.models import Share, Sponsor

    delete_account(world.sponsor_a)
    delete_account(world.sharer)
    db.session.commit()
    assert db.session.scalars(select(Sponsor).where(Sponsor.user_id == world.sponsor_a.id)).first() is None
    assert db.session.scalars(select(Share)).all() == []
