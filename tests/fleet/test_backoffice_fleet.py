"""One simulated back office, several stations: own credential, own cursor, documents where the citizen chose."""

from __future__ import annotations

import httpx
import pytest

from simulators.backoffice import BackOffice
from simulators.backoffice.office import ANY_STATION
from simulators.backoffice.runner import BackOfficeServer
from station.trust import token as pickup_token
from station.trust.store import TrustStore

STATIONS = {"MPP-BDG-01": "bearer-bandung", "MPP-SBY-01": "bearer-surabaya", "MPP-MDN-01": "bearer-medan"}


@pytest.fixture(scope="module")
def office() -> BackOffice:
    return BackOffice(stations=dict(STATIONS), seed=14, pin_ratio=0.0, pin_ln=8)


@pytest.fixture(scope="module")
def server(office: BackOffice):
    with BackOfficeServer(office) as running:
        yield running


def feed(server: BackOfficeServer, station: str, bearer: str, after: str | None = None) -> httpx.Response:
    params = {"limit": 50} | ({"after": after} if after else {})
    return httpx.get(f"{server.url}/api/v1/stations/{station}/documents", params=params,
                     headers={"Authorization": f"Bearer {bearer}"})


def test_each_citizen_s_document_goes_to_the_station_they_chose(server: BackOfficeServer, office: BackOffice) -> None:
    made = office.approve(12, station=ANY_STATION)
    chosen = {a.id: a.station for a in made}
    assert set(chosen.values()) == set(STATIONS)  # with this seed every station is somebody's choice
    trust = TrustStore(keys=(office.issuer_entry(),))
    for station, bearer in STATIONS.items():
        page = feed(server, station, bearer).json()
        assert [d["id"] for d in page["documents"]] == [a.id for a in made if a.station == station]
        for approval in office.approvals(station):
            assert pickup_token.verify(approval.token, trust, station).doc == approval.id
            other = next(s for s in STATIONS if s != station)
            with pytest.raises(pickup_token.TokenRefused):
                pickup_token.verify(approval.token, trust, other)  # bound to the chosen station only


def test_a_station_reads_only_its_own_feed_with_its_own_cursor(server: BackOfficeServer, office: BackOffice) -> None:
    office.approve(2, station="MPP-BDG-01")
    bandung = feed(server, "MPP-BDG-01", STATIONS["MPP-BDG-01"]).json()
    surabaya = feed(server, "MPP-SBY-01", STATIONS["MPP-SBY-01"]).json()
    # Another station's credential is no credential here.
    assert feed(server, "MPP-BDG-01", STATIONS["MPP-SBY-01"]).status_code == 401
    # Another station's cursor is refused (it would skip or repeat documents), its own goes on from where it was.
    assert feed(server, "MPP-SBY-01", STATIONS["MPP-SBY-01"], after=bandung["cursor"]).status_code == 400
    after = feed(server, "MPP-SBY-01", STATIONS["MPP-SBY-01"], after=surabaya["cursor"]).json()
    assert after["documents"] == [] and after["cursor"] == surabaya["cursor"]
    office.approve(1, station="MPP-SBY-01")
    assert len(feed(server, "MPP-SBY-01", STATIONS["MPP-SBY-01"], after=surabaya["cursor"]).json()["documents"]) == 1
    assert len(feed(server, "MPP-BDG-01", STATIONS["MPP-BDG-01"], after=bandung["cursor"]).json()["documents"]) == 0


def test_events_are_taken_only_from_the_station_the_document_went_to(server: BackOfficeServer,
                                                                    office: BackOffice) -> None:
    doc = office.approve(1, station="MPP-MDN-01")[0]
    body = {"event": "received", "at": "2026-03-01T00:00:00Z", "station": "MPP-MDN-01", "detail": {}}
    url = f"{server.url}/api/v1/documents/{doc.id}/events"
    wrong = {**body, "station": "MPP-BDG-01"}
    assert httpx.post(url, json=wrong, headers={"Authorization": "Bearer bearer-bandung"}).status_code == 404
    assert httpx.post(url, json=body, headers={"Authorization": "Bearer bearer-medan"}).status_code == 204
    assert [e["station"] for e in office.events(doc.id)] == ["MPP-MDN-01"]
    chosen = httpx.post(f"{server.url}/sim/approve", json={"count": 3, "station": ANY_STATION}).json()
    assert {c["station"] for c in chosen} <= set(STATIONS)
