from datetime import timedelta

from common.db import utcnow


def test_member_list_flags_members_over_the_absence_rule(client, auth, db, make_group, make_member, make_meetup, make_rsvp):
    host = None
    group = make_group(absence_limit=1, absence_months=6)
    from groups.models import Membership

    make_member(group, name="Alma Absent")
    present = make_member(group, name="Per Present")
    for membership in db.session.query(Membership).filter_by(group_id=group.id):
        membership.joined_at = utcnow() - timedelta(weeks=20)
        if membership.role == "host":
            host = membership.user
    db.session.commit()
    for weeks in (3, 7):
        held = make_meetup(group, starts_at=utcnow() - timedelta(weeks=weeks), status="held", attendance_taken=True)
        make_rsvp(held, present, checked_in=True)
        make_rsvp(held, host, checked_in=True)

    auth.login(host)
    html = client.get(f"/groups/{group.slug}/admin/members").get_data(as_text=True)
    row_absent = html.split("Alma Absent", 1)[1].split("</tr>", 1)[0]
    row_present = html.split("Per Present", 1)[1].split("</tr>", 1)[0]
    assert "2 absences" in row_absent
    assert "absence" not in row_present


def test_lapsed_member_sees_renewal_not_apply_on_group_page(client, auth, make_group, make_member):
    group = make_group()
    lapsed = make_member(group, status="lapsed")
    auth.login(lapsed)
    html = client.get(f"/groups/{group.slug}").get_data(as_text=True)
    assert "Renew membership" in html
    assert "Apply to join" not in html
