"""An admin for in-process benchmarks: stored, then signed in through the token endpoint as a client would."""
from api.auth.bootstrap import ensure_first_admin

EMAIL, PASSWORD = "bench-admin@example.org", "bench admin password"


def admin_headers(app):
    """Return the Authorization header of a stored admin (a token acts only while its account exists)."""
    with app.app_context():
        ensure_first_admin(EMAIL, PASSWORD)
    answer = app.test_client().post("/api/v1/auth/token", data={
        "grant_type": "password", "username": EMAIL, "password": PASSWORD})
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}
