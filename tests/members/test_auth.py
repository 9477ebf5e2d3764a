from tests.conftest import PASSWORD, csrf_token, outbox_messages


def test_register_queues_verification_and_login_works(client, auth, db):
    token = csrf_token(client, "/register")
    response = client.post(
        "/register",
        data={"name": "Ada Lovelace", "email": "Ada@Example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    messages = outbox_messages("ada@example.com")
    assert [m.template for m in messages] == ["verify_email"]
    response = auth.login("ADA@example.com")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
