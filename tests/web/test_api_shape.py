"""One error shape (RFC 9457 problem details), the version, and /docs served from the station itself."""

from __future__ import annotations

import re

from station.version import version

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail"} and body["status"] == status
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
    assert invalid["detail"].startswith("reason:")
    conflict = _problem(client.post("/api/v1/jobs/JOB-DONE/cancel", headers=station.auth("operator"),
                                    json={"reason": "too late"}), 409)
    assert "collected" in conflict["detail"]


def test_the_openapi_document_names_the_problem_shape(client) -> None:
    document = client.get("/openapi.json").json()
    assert set(document["components"]["schemas"]["Problem"]["properties"]) == {"type", "title", "status", "detail"}
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
