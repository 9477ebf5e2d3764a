"""Registration and passwords (QUALITY.md 1): strong passwords kept exactly as typed, salted argon2id."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from members.models import User
from tests.conftest import PASSWORD, outbox_messages
from tests.members.helpers import login, register, user_by_email

PASSPHRASE = "  my 🐙 octopus  knows TWELVE ways to open a jar, and none of them are polite!  "


def test_register_queues_verification_and_login_works(client, auth, db):
    response = register(client, "Ada@Example.com")
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    messages = outbox_messages("ada@example.com")
    assert [m.template for m in messages] == ["verify_email"]
    response = auth.login("ADA@example.com")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "password",
    ["password", "12345678", "qwertyuiop", "iloveyou1", "Password1", "letmein!", "monkey123", "short"],
)
def test_weak_or_common_passwords_are_refused(client, db, password):
    response = register(client, "weak@example.com", password=password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Check your email" not in html
    assert 'aria-invalid="true"' in html or "too easy to guess" in html or "at least 8" in html
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert outbox_messages() == []


def test_password_that_repeats_the_users_name_is_refused(client, db):
    response = register(client, "ada@example.com", password="adalovelace", name="Ada Lovelace")
    assert "Check your email" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_long_passphrase_with_spaces_and_emoji_is_kept_exactly_as_typed(client, db):
    assert len(PASSPHRASE) > 64
    response = register(client, "poet@example.com", password=PASSPHRASE)
    assert "Check your email" in response.get_data(as_text=True)
    user = user_by_email(db, "poet@example.com")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSPHRASE.strip() not in user.password_hash
    # Exactly as typed: no trimming, no case folding, no normalising of spaces.
    for variant in (PASSPHRASE.strip(), PASSPHRASE.upper(), PASSPHRASE.replace("  ", " "), PASSPHRASE[:64]):
        assert login(client, "poet@example.com", variant).status_code == 200
    assert login(client, "poet@example.com", PASSPHRASE).status_code == 302


def test_hashes_are_salted_argon2id(make_user):
    one, two = make_user(password=PASSWORD), make_user(password=PASSWORD)
    assert one.password_hash.startswith("$argon2id$")
    assert one.password_hash != two.password_hash


def test_production_hasher_uses_argon2id_defaults(app):
    """TestConfig lowers the cost for speed; the real Config keeps argon2-cffi's defaults."""
    import argon2

    from config import Config
    from members.security import hash_password

    assert Config.ARGON2_PARAMS == {}
    defaults = argon2.PasswordHasher()
    with app.test_request_context():
        saved = app.config["ARGON2_PARAMS"]
        app.config["ARGON2_PARAMS"] = Config.ARGON2_PARAMS
        try:
            hashed = hash_password("a production password")
        finally:
            app.config["ARGON2_PARAMS"] = saved
    params = argon2.extract_parameters(hashed)
    assert params.type is argon2.Type.ID
    assert (params.time_cost, params.memory_cost) == (defaults.time_cost, defaults.memory_cost)


def test_login_upgrades_a_hash_made_with_older_parameters(client, app, db, make_user, monkeypatch):
    import argon2

    user = make_user(email="old-hash@example.com")
    stronger = {**app.config["ARGON2_PARAMS"], "time_cost": app.config["ARGON2_PARAMS"]["time_cost"] + 1}
    monkeypatch.setitem(app.config, "ARGON2_PARAMS", stronger)
    assert login(client, "old-hash@example.com").status_code == 302
    upgraded = user_by_email(db, "old-hash@example.com").password_hash
    assert argon2.extract_parameters(upgraded).time_cost == stronger["time_cost"]
    assert user.id and login(client.application.test_client(), "old-hash@example.com").status_code == 302
