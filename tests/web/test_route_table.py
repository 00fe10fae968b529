"""Every route of the app's route table refuses without a token and with too weak a role."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from station.web.auth import Requirement, Role
from station.web.gate import API_PREFIX
from station.runtime import ops

KIOSK = {"Authorization": "Bearer kiosk-secret-for-tests"}
# Routes anyone may reach: probes and metrics (no personal data), the pages themselves and their words.
PUBLIC = {"/healthz", "/readyz", "/metrics", "/", "/kiosk", "/ops", "/openapi.json", "/docs",
          "/ops/vocabulary.json"}
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
EXAMPLE_PARAMS = {"job_id": "JOB-HELD", "slot_id": "A-1-05", "alarm_id": "1"}


def _requirement(route: APIRoute) -> Requirement | None:
    found = [dep.call for dep in route.dependant.dependencies if isinstance(dep.call, Requirement)]
    return found[0] if found else None


def _url(route: APIRoute) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: EXAMPLE_PARAMS[m.group(1)], route.path)


def _api_routes(app) -> list[APIRoute]:
    """The app's API routes, routers included (FastAPI nests included routers in newer versions)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are copied into app.routes
        return [r for r in app.routes if isinstance(r, APIRoute)]
    return [c.original_route for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute)]


def test_every_route_declares_who_may_call_it(client) -> None:
    routes = _api_routes(client.app)
    assert len(routes) >= 20
    for route in routes:
        requirement = _requirement(route)
        if route.path in PUBLIC:
            assert requirement is None and not (route.methods & MUTATING), route.path
            assert not route.path.startswith(API_PREFIX), route.path
            continue
        assert requirement is not None, f"{route.path} has no role requirement"
        # The gate (station/web/gate.py) knows the caller of every /api/ path before its body is read.
        assert route.path.startswith(API_PREFIX), f"{route.path} needs a role but is outside {API_PREFIX}"
        if route.methods & MUTATING:
            assert requirement.role >= Role.OPERATOR, f"{route.path}: a viewer may not act"
    document = client.get("/openapi.json").json()
    for route in routes:
        if route.path in PUBLIC or not route.include_in_schema:
            continue
        for method in route.methods:
            operation = document["paths"][route.path][method.lower()]
            assert operation["x-required-role"] == _requirement(route).role.name.lower()
            assert {"401", "403"} <= set(operation["responses"]), route.path


def test_every_protected_route_refuses_without_a_token_and_with_weaker_roles(station, client) -> None:
    checked = 0
    for route in _api_routes(client.app):
        requirement = _requirement(route)
        if requirement is None:
            continue
        for method in route.methods:
            url = _url(route)
            # Without a token, with a garbage token, with a disabled-looking token: 401.
            for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic Zm9vOmJhcg=="}):
                response = client.request(method, url, headers=headers, json={})
                assert response.status_code == 401, (method, url, headers, response.text)
                assert response.headers["www-authenticate"] == "Bearer"
            for role in Role:
                if role < requirement.role:
                    response = client.request(method, url, headers=station.auth(role.name.lower()), json={})
                    assert response.status_code == 403, (method, url, role, response.text)
                    assert "role" in response.json()["detail"]
            if not requirement.kiosk:
                kiosk = client.request(method, url, headers=KIOSK, json={})
                assert kiosk.status_code == 403, (method, url, kiosk.text)
            elif not url.endswith("/events"):  # a granted event stream never ends
                assert client.request(method, url, headers=KIOSK, json={}).status_code != 403, (method, url)
            checked += 1
    assert checked >= 18


def test_refusals_change_nothing(station, client) -> None:
    conn = station.conn()
    before = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    for route in _api_routes(client.app):
        requirement = _requirement(route)
        if requirement is None or not (route.methods & MUTATING):
            continue
        for method in route.methods:
            client.request(method, _url(route), json={"reason": "x", "slot": "A-1-07", "out_of_service": True,
                                                      "pickup_expires": "2026-12-31T00:00:00Z"})
            client.request(method, _url(route), headers=station.auth("viewer"), json={"reason": "x"})
    assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before
    assert conn.execute("SELECT state FROM jobs WHERE id = 'JOB-HELD'").fetchone()[0] == "held"
    # Only the stub's read ops were called by the refused requests: nothing reached the daemon.
    assert not [c for c in station.daemon.calls if c[0] not in (ops.STATION_PING, ops.DEVICES_STATUS, ops.KIOSK_VIEW)]
