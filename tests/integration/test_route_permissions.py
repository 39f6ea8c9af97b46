"""Every route, every role, and anonymous: the permission table is enforced in one place.

Generic on purpose: it walks ``app.url_map``, so a route added by any area is covered the moment
its blueprint is registered, and a view without ``@requires(...)`` fails here by name.
"""
from __future__ import annotations

from flask import url_for
from werkzeug.routing import FloatConverter, IntegerConverter

from edc.models import ROLES
from edc.permissions import AUTHENTICATED, PERMISSIONS, PUBLIC
from edc.security import endpoint_action
from tests.fixtures.accounts import csrf_token_from, session_cookie

ANONYMOUS = "anonymous"


def _routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule but static, with dummy values for its arguments."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            values = {
                name: 1 if isinstance(converter, (IntegerConverter, FloatConverter)) else "x"
                for name, converter in rule._converters.items()
            }
            method = "GET" if "GET" in rule.methods else "POST"
            routes.append((rule.endpoint, method, url_for(rule.endpoint, **values)))
    return sorted(routes)


def _credentials(app, login, account) -> tuple[str, str]:
    """A logged-in session cookie and a CSRF token valid for it (anonymous when ``account`` is None)."""
    client = app.test_client()
    if account is None:
        token = csrf_token_from(client.get("/login").data)
    else:
        login(client, account)
        token = csrf_token_from(client.get("/account/password").data)
    return session_cookie(client).value, token


def _expectation(action: str, principal: str) -> str:
    if action == PUBLIC:
        return "reachable"
    if principal == ANONYMOUS:
        return "login"
    if action == AUTHENTICATED or principal in PERMISSIONS[action]:
        return "reachable"
    return "forbidden"


def test_every_route_allows_exactly_the_roles_of_its_action(app, make_site, make_user, login):
    make_site("RAH")
    make_user("coordinator", username="dummy-target")  # user 1, role 1 and site 1: what the dummy ids point at
    principals = {ANONYMOUS: None} | {role: make_user(role) for role in ROLES}
    routes = _routes(app)
    missing = sorted({endpoint for endpoint, _, _ in routes if endpoint_action(app, endpoint) is None})
    assert not missing, f"views without @requires(action): {', '.join(missing)}"

    failures = []
    for principal, account in principals.items():
        cookie, token = _credentials(app, login, account)
        client = app.test_client()
        for endpoint, method, url in routes:
            client.set_cookie("session", cookie, domain="edc.test")
            expected = _expectation(endpoint_action(app, endpoint), principal)
            try:
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.post(url, data={"csrf_token": token})
            except Exception as error:  # noqa: BLE001 - TESTING propagates view errors; report them all at once
                failures.append(f"{principal} {method} {url} ({endpoint}): expected {expected}, raised {error!r}")
                continue
            status = response.status_code
            location = response.headers.get("Location", "")
            if expected == "login":
                ok = status == 302 and "/login" in location
            elif expected == "forbidden":
                ok = status == 403
            else:
                ok = status != 403 and status < 500
            if not ok:
                failures.append(f"{principal} {method} {url} ({endpoint}): expected {expected}, got {status} {location}")
    assert not failures, "\n".join(failures)


def test_a_view_without_an_action_is_reachable_by_nobody(app, make_user, login):
    @app.get("/__no_action_declared")
    def undeclared():  # pragma: no cover - must never run
        return "reached"

    client = app.test_client()
    login(client, make_user("admin"))
    assert client.get("/__no_action_declared").status_code == 403
    assert endpoint_action(app, "undeclared") is None
