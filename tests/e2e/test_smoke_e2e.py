from tests.e2e.conftest import assert_no_serious_axe_violations, login


def test_login_in_real_browser(page, make_user):
    user = make_user(email="e2e@example.com", name="Eve Example")
    login(page, user.email)
    assert page.url.endswith("/")
    assert "Eve" in page.inner_text("header")
    assert_no_serious_axe_violations(page)
