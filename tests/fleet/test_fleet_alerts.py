"""Five simulated stations watched by a real Prometheus and Alertmanager: alerts fire for the right station.

The lab runs the shipped rules and routes (deploy/prometheus/) with
2-second scrapes and every `for:` capped at 6 s (LabTiming.fast), so the
whole story takes about a minute: a jam at one station fires PrinterBlocked
for that station only and reaches Alertmanager (and, routed by severity,
the ops desk's webhook); clearing it resolves it; killing a daemon for good
fires StationDown. Then the command-center page, in headless Chromium: reasons
in words, the site of a station that is down, local times, an operator
acknowledging an alert through Alertmanager, and the screenshots (1280x800,
1920x1080, Indonesian and English) that axe-core finds nothing serious on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from patience import wait


from fleet_support import tool  # noqa: E402

from simulators.prometheus_lab import LabTiming  # noqa: E402
from simulators.fleet.faults import Fault  # noqa: E402
from simulators.fleet.simulate import FleetOptions, FleetSimulation  # noqa: E402
from simulators.station.simulate import Options  # noqa: E402
from station.web.spool_metrics import station_version  # noqa: E402

pytestmark = pytest.mark.slow
WAIT_S = 90.0
JAMMED, KILLED = 3, 2


def wait_for(what: str, check: Callable[[], Any], timeout: float = WAIT_S) -> Any:
    """The suite's one wait, read as a sentence here: a scrape or an HTTP error means "not yet"."""
    return wait(check, timeout, what, interval=0.5, retry_on=(httpx.HTTPError,))


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FleetSimulation]:
    tool("prometheus")
    tool("prometheus-alertmanager")
    options = FleetOptions(stations=5, folder=tmp_path_factory.mktemp("fleet"), timing=LabTiming.fast(),
                           station=Options(documents=2, auto_collect=True, printer_ppm=600, seed=14, quiet=True))
    simulation = FleetSimulation(options)
    try:
        simulation.start()
        lab = simulation.lab
        assert lab is not None
        wait_for("every station scraped, daemon up",
                 lambda: len([s for s in lab.query("up == 1 and on(instance) station_daemon_up == 1")]) == 5)
        yield simulation
    finally:
        simulation.stop()


def alerts(simulation: FleetSimulation, name: str, state: str | None = None) -> list[str]:
    """The stations Prometheus holds alert `name` for (in `state`, or any)."""
    assert simulation.lab is not None
    return sorted(a["labels"]["station"] for a in simulation.lab.alerts()
                  if a["labels"]["alertname"] == name and (state is None or a["state"] == state))


def received(simulation: FleetSimulation, name: str) -> list[str]:
    """The stations Alertmanager holds an active alert `name` for."""
    assert simulation.lab is not None
    return sorted(a["labels"]["station"] for a in simulation.lab.received()
                  if a["labels"]["alertname"] == name and a["status"]["state"] == "active")


def notes(simulation: FleetSimulation, name: str, status: str) -> list[dict[str, Any]]:
    """The webhook notifications the command center took for `name` in `status`."""
    assert simulation.center is not None
    return [n for n in simulation.center.app.state.notifications.latest(100)
            if n["alertname"] == name and n["status"] == status]


def notified(simulation: FleetSimulation, name: str, status: str) -> list[tuple[str, str]]:
    """(receiver, station) of the webhook notifications the command center took for `name` in `status`."""
    assert simulation.center is not None
    notes = simulation.center.app.state.notifications.latest(100)
    return sorted({(n["receiver"], n["station"]) for n in notes if n["alertname"] == name and n["status"] == status})


def test_each_station_counts_its_releases(fleet: FleetSimulation) -> None:
    """The counters come from the audit chain the real counter writes; the latency from its release events."""
    from prometheus_client.parser import text_string_to_metric_families

    station = fleet.stations[0]
    wait_for("the first station's two documents collected", lambda: station.counts().get("collected") == 2)
    text = httpx.get(f"http://127.0.0.1:{station.options.port}/metrics").text
    found = {(s.name, tuple(sorted(s.labels.items()))): s.value
             for family in text_string_to_metric_families(text) for s in family.samples}
    assert found[("station_releases_total", (("outcome", "opened"),))] == 2
    assert found[("station_jobs_entered_total", (("state", "collected"),))] == 2
    assert found[("station_jobs", (("state", "collected"),))] == 2
    # The histogram counts the release events this web process saw (none are replayed after a reconnect);
    # the counters above are exact, from the audit chain.
    assert 1 <= found[("station_release_latency_seconds_count", ())] <= 2
    site = fleet.sites[0]
    assert found[("station_info", (("kind", "locker"), ("site", site.site), ("station_id", site.station_id),
                                   ("version", station_version())))] == 1


def test_a_jam_fires_printer_blocked_for_that_station_only(fleet: FleetSimulation) -> None:
    jammed = fleet.sites[JAMMED - 1].station_id
    fleet.inject(Fault("jam", JAMMED))
    metrics = httpx.get(f"http://127.0.0.1:{fleet.stations[JAMMED - 1].options.port}/metrics").text
    assert "station_printer_blocked 1.0" in metrics and 'station_printer_reason{reason="media-jam"} 1.0' in metrics
    assert wait_for("PrinterBlocked firing", lambda: alerts(fleet, "PrinterBlocked", "firing")) == [jammed]
    assert alerts(fleet, "PrinterBlocked") == [jammed]  # not even pending anywhere else
    assert wait_for("Alertmanager to receive it", lambda: received(fleet, "PrinterBlocked")) == [jammed]
    # Routed by severity: a warning goes to the operations desk.
    assert wait_for("the ops desk's notification",
                    lambda: notified(fleet, "PrinterBlocked", "firing")) == [("ops-desk", jammed)]
    # The words follow the rule's `for:` as this lab runs it (6 s), not the shipped 5 minutes.
    said = notes(fleet, "PrinterBlocked", "firing")[0]
    assert "lebih dari 6 detik" in said["summary"] and "over 6 seconds" in said["summary_en"], said
    assert "menit" not in said["summary"] and "minute" not in said["summary_en"]


def test_clearing_the_jam_resolves_it(fleet: FleetSimulation) -> None:
    jammed = fleet.sites[JAMMED - 1].station_id
    fleet.inject(Fault("clear", JAMMED))
    wait_for("PrinterBlocked gone from Prometheus", lambda: alerts(fleet, "PrinterBlocked") == [])
    wait_for("PrinterBlocked resolved at Alertmanager", lambda: received(fleet, "PrinterBlocked") == [])
    assert wait_for("the resolved notification",
                    lambda: notified(fleet, "PrinterBlocked", "resolved")) == [("ops-desk", jammed)]
    # It says what recovered, not the firing sentence again.
    said = notes(fleet, "PrinterBlocked", "resolved")[0]
    assert said["summary"] == f"Printer di stasiun {jammed} kembali siap mencetak.", said
    assert said["summary_en"] == f"The printer at station {jammed} prints again."


def test_a_daemon_killed_for_good_fires_station_down(fleet: FleetSimulation) -> None:
    killed = fleet.sites[KILLED - 1].station_id
    fleet.inject(Fault("kill", KILLED))
    # Exactly the killed one (a scrape slow on a loaded machine may put another briefly in pending, never firing).
    wait_for("StationDown firing", lambda: alerts(fleet, "StationDown", "firing") == [killed])
    wait_for("Alertmanager to receive it", lambda: received(fleet, "StationDown") == [killed])
    # Routed by severity: a critical alert pages the on-call technician.
    wait_for("the on-call notification", lambda: ("on-call", killed) in notified(fleet, "StationDown", "firing"))
    assert {receiver for receiver, _ in notified(fleet, "StationDown", "firing")} == {"on-call"}


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = [(1280, 800), (1920, 1080)]


def _axe(page, where: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], (where, bad)


@pytest.mark.browser
def test_the_command_center_shows_every_station(fleet: FleetSimulation) -> None:
    from playwright.sync_api import sync_playwright
    from webtest_browser import launch, only_local, screenshot

    assert fleet.center is not None and fleet.lab is not None
    fleet.inject(Fault("jam", 4))
    fleet.inject(Fault("bus-down", 5))
    wait_for("LockBusDown and PrinterBlocked firing",
             lambda: alerts(fleet, "LockBusDown", "firing") and alerts(fleet, "PrinterBlocked", "firing"))
    base = fleet.center.url
    sites = fleet.sites
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="id-ID")
            strays = only_local(page, base)
            page.goto(f"{base}/")
            page.wait_for_selector("body[data-loaded='1']")
            rows = page.locator("tr.station")
            assert rows.count() == 5
            status = {rows.nth(i).get_attribute("data-station"): rows.nth(i).get_attribute("data-status")
                      for i in range(5)}
            assert status == {sites[0].station_id: "ok", sites[1].station_id: "down", sites[2].station_id: "ok",
                              sites[3].station_id: "warning", sites[4].station_id: "critical"}
            assert rows.first.get_attribute("data-status") == "down"  # the worst first
            assert page.locator("#count-down").inner_text() == "1" and page.locator("#count-total").inner_text() == "5"
            jammed = page.locator(f"tr[data-station='{sites[3].station_id}']")
            # The reason in words, both languages; the raw IPP keyword only as data.
            assert "Terhenti" in jammed.inner_text() and "kertas macet" in jammed.inner_text()
            assert "paper jam" in jammed.inner_text() and "media-jam" not in jammed.inner_text()
            assert "PrinterBlocked" in jammed.inner_text()
            assert "Putus" in page.locator(f"tr[data-station='{sites[4].station_id}']").inner_text()
            # The station that is down keeps its site's name.
            down = page.locator(f"tr[data-station='{sites[1].station_id}'] .site").inner_text()
            assert down == f"{sites[1].site} · {sites[1].province}", down
            assert "Pusat Komando" in page.locator("h1").inner_text()  # Indonesian first
            wait_for("the notifications on the page",
                     lambda: page.locator("#notifications li[data-alert='StationDown']").count() > 0, timeout=20)
            # Times with their zone: the bus at Makassar (WITA) paged on-call in Makassar's time.
            wait_for("LockBusDown's notification on the page", lambda: page.locator(
                f"#notifications li[data-alert='LockBusDown'][data-station='{sites[4].station_id}']").count() > 0,
                timeout=20)
            when = page.locator("#notifications li[data-alert='LockBusDown'] time").first.inner_text()
            assert when.endswith(" WITA"), when
            assert page.locator("#notifications li[data-alert='StationDown'] time").first.inner_text().endswith(" WIB")
            assert page.locator("#updated").inner_text().endswith(" WIB")  # the command center's own zone
            # Signed out, nobody may act: no buttons.
            assert page.locator("button.act").count() == 0
            # An operator signs in and acknowledges the jam; Alertmanager records who and why.
            page.click("#sign-in")
            _axe(page, "the sign-in dialog")
            page.fill("#token", fleet.center_tokens["operator"])
            page.click("#sign-in-form button[type=submit]")
            page.wait_for_selector("body[data-staff='operator']")
            assert page.locator(f"tr[data-station='{sites[3].station_id}'] button[data-act='silence']").count() == 0
            page.click(f"tr[data-station='{sites[3].station_id}'] button[data-act='ack'][data-alert='PrinterBlocked']")
            page.fill("#act-comment", "Teknisi menuju lokasi")
            _axe(page, "the acknowledge dialog")
            page.click("#act-submit")
            page.wait_for_selector(f"tr[data-station='{sites[3].station_id}'] .alert[data-silenced='ack']")
            made = [s for s in httpx.get(f"{fleet.lab.alertmanager_url}/api/v2/silences", timeout=10).json()
                    if s["status"]["state"] == "active"]
            assert [(s["createdBy"], s["comment"]) for s in made] == [
                ("operator:operator", "Ditangani · acknowledged: Teknisi menuju lokasi")]
            assert "operator:operator" in jammed.inner_text()
            # A click on a station reaches its own operations page.
            with page.expect_popup() as opened:
                page.locator(f"a[data-station='{sites[0].station_id}']").click()
            ops = opened.value
            ops.wait_for_load_state()
            assert ops.url == f"http://127.0.0.1:{fleet.stations[0].options.port}/ops"
            ops.close()
            # Indonesian and English, at the two wall-screen sizes: axe-core finds nothing serious.
            for language in ("id", "en"):
                page.goto(f"{base}/" + ("?lang=en" if language == "en" else ""))
                page.wait_for_selector("body[data-loaded='1'][data-staff='operator']")
                page.wait_for_selector(f"tr[data-station='{sites[3].station_id}'] .alert[data-silenced='ack']")
                assert page.evaluate("document.documentElement.lang") == language
                title = page.locator("h1").inner_text()
                assert ("Pusat Komando" in title) == (language == "id") and "command center" in title
                for width, height in SIZES:
                    page.set_viewport_size({"width": width, "height": height})
                    _axe(page, f"{language} at {width}x{height}")
                    screenshot(page, f"command-center-{language}-{width}x{height}")
            assert strays == []
        finally:
            browser.close()
    view = httpx.get(f"{base}/api/fleet").json()
    assert json.dumps(view).count('"instance"') == 5
