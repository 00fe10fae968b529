"""One error shape (RFC 9457 problem details), the version, and /docs served from the station itself."""

from __future__ import annotations

import re

from station.version import version

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    # (issue 25) a 422 lists each problem in `errors`, RFC 9457's extension; every other refusal has the four
    assert set(body) == {"type", "title", "status", "detail"} | ({"errors"} if status == 422 else set())
    assert body["status"] == status
    assert body["type"] == "about:blank" and body["title"] and body["detail"]
    return body


def test_every_kind_of_refusal_is_problem_details(client, station) -> None:
    assert "bearer token" in _problem(client.get("/api/v1/jobs"), 401)["detail"]
    assert "role" in _problem(client.post("/api/v1/jobs/JOB-HELD/retry", headers=station.auth("viewer")),
                              403)["detail"]
    _problem(client.get("/api/v1/jobs/NO-SUCH-JOB", headers=station.auth("viewer")), 404)
    _problem(client.get("/api/v1/no-such-route", headers=station.auth("viewer")), 404)
    _problem(client.put("/api/v1/jobs", headers=station.auth("viewer")), 405)
    invalid = _problem(client.post("/api/v1/jobs/JOB-HELD/cancel", headers=station.auth("operator"),
                                   json={"reason": 5}), 422)
    assert invalid["detail"] == 'the body\'s field "reason": Input should be a valid string'
    assert invalid["errors"] == [{"detail": "Input should be a valid string", "pointer": "#/reason"}]
    conflict = _problem(client.post("/api/v1/jobs/JOB-DONE/cancel", headers=station.auth("operator"),
                                    json={"reason": "too late"}), 409)
    assert "collected" in conflict["detail"]


def test_a_422_names_the_field_and_its_place_in_the_body(client, station) -> None:
    """(issue 25) "Field required" named no field, and a bad JSON body said "1: JSON decode error"."""
    operator = {**station.auth("operator"), "Content-Type": "application/json"}
    missing = _problem(client.post("/api/v1/jobs/JOB-HELD/cancel", headers=operator, content="{}"), 422)
    assert missing["detail"] == 'the body needs the field "reason"', missing
    assert missing["errors"] == [{"detail": "Field required", "pointer": "#/reason"}]
    broken = _problem(client.post("/api/v1/jobs/JOB-HELD/cancel", headers=operator,
                                  content='{"reason": "x",\n  "extra": }'), 422)
    assert broken["detail"].startswith("the body is not valid JSON: ") and broken["detail"].endswith(
        "at line 2, column 12"), broken
    assert broken["errors"][0]["line"] == 2 and broken["errors"][0]["column"] == 12
    query = _problem(client.get("/api/v1/jobs?limit=0", headers=station.auth("viewer")), 422)
    assert query["detail"].startswith('the query parameter "limit": '), query
    assert query["errors"][0]["parameter"] == "limit" and query["errors"][0]["location"] == "query"


def test_the_openapi_document_names_the_problem_shape(client) -> None:
    document = client.get("/openapi.json").json()
    assert set(document["components"]["schemas"]["Problem"]["properties"]) == {"type", "title", "status", "detail",
                                                                              "errors"}
    cancel = document["paths"]["/api/v1/jobs/{job_id}/cancel"]["post"]["responses"]["409"]["content"]
    assert PROBLEM in cancel


def test_version(client, station) -> None:
    body = client.get("/api/v1/version", headers=station.auth("viewer")).json()
    assert body == {"station": station.cfg.station.id, "version": version(), "api": "v1"}
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", body["version"])
    assert client.get("/openapi.json").json()["info"]["version"] == version()


def test_docs_are_served_from_the_station(client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url:\s*'([^']+)'""", page.text)
    found = [a or b for a, b in urls]
    assert found and all(url.startswith("/") for url in found), found  # nothing from the internet
    for url in found:
        assert client.get(url).status_code == 200, url


def test_live_events_carry_rfc3339_times() -> None:
    import json

    from station.events import Event
    from station.web.relay import sse_frame

    frame = sse_frame(Event(7, "job", {"job": "J"}, at=1764300000.25), {"job": "J"}).decode()
    body = json.loads(frame.split("data: ", 1)[1])
    assert body["at"] == "2025-11-28T03:20:00.250Z"
