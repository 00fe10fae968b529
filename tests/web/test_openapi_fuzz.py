"""schemathesis against the OpenAPI document: no 5xx, every documented response shape holds."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from station.web import create_app


def _operations(station):
    """Every operation of the app's own OpenAPI document, driven in-process (ASGI)."""
    app = create_app(station.cfg, kiosk_secret="kiosk-secret-for-tests")
    # Live event streams never end: they are tested in test_events.py.
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path_regex=r"/events$")
    return [result.ok() for result in schema.get_all_operations()]


def test_api_holds_its_document(station) -> None:
    # (schemathesis's lazy pytest fixture does not run on this pytest; the strategies are driven here.)
    operations = _operations(station)
    assert len(operations) >= 20
    admin = station.auth("admin")
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def holds(case) -> None:
            # As an admin every operation is allowed: the answers worth checking are 2xx, 404, 409, 422.
            case.call_and_validate(headers=admin)

        holds()


def test_the_document_is_complete(client) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") and operation.get("description"), (method, path)
            assert "200" in operation["responses"], (method, path)
            if path.startswith("/api/"):
                assert operation["security"] == [{"bearerToken": []}], (method, path)
    models = document["components"]["schemas"]
    for name in ("JobSummary", "JobPage", "JobDetail", "SlotView", "AlarmView", "KioskViewModel", "Devices"):
        assert models[name].get("examples"), name
