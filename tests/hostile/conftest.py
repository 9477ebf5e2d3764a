"""The ``world`` fixture of the hostile-value sweep."""
from __future__ import annotations

import pytest

from tests.hostile.world import World


@pytest.fixture
def world(client, auth, db, make_user, make_group, make_member, make_meetup, make_rsvp) -> World:
    return World(client, auth, db, make_user, make_group, make_member, make_meetup, make_rsvp)
