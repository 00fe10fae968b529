"""The back-office simulator: realistic fictional documents the real templates render, tokens that
verify, the §7 API's guards, the admin API, and the citizen's page as a phone shows it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from backoffice_support import BEARER, STATION

from simulators.backoffice import BackOffice, BackOfficeServer
from simulators.backoffice.citizens import MONTHS, Citizens
from simulators.backoffice.forms import fill, load_forms
from station.trust import token as pickup_token
from station.backoffice import document
from station.trust import pickup_code
from station.trust.pin import check_pin
from station.trust.store import TrustStore, new_private_key

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HEADERS = {"Authorization": f"Bearer {BEARER}"}
DATE = re.compile(rf"^[1-9]\d? ({'|'.join(MONTHS)}) (19|20)\d\d$", re.IGNORECASE)


def test_every_shipped_template_has_a_form_read_from_its_files() -> None:
    forms = load_forms(TEMPLATES)
    assert {"akta-kelahiran", "kartu-keluarga", "nib"} <= set(forms)
    example = json.loads((TEMPLATES / "examples" / "kartu-keluarga.json").read_text())
    assert set(forms["kartu-keluarga"].fields) == {k for k in example if "." not in k}
    assert forms["kartu-keluarga"].tables[0].max_rows == 10


@pytest.mark.parametrize("template", ["akta-kelahiran", "kartu-keluarga", "nib"])
def test_generated_documents_render_with_the_real_template(template: str) -> None:
    from station.templates import load_template, render_document

    form = load_forms(TEMPLATES)[template]
    loaded = load_template(TEMPLATES / template, TrustStore.load(TEMPLATES / "trust.json"))
    citizens = Citizens(seed=11)
    key = new_private_key()
    example = form.example
    for number in range(25):
        data = fill(form, citizens)
        rendered = render_document(loaded, data, document_id=f"T-{number}", station_id=STATION, station_key=key)
        assert rendered.pages >= 1
        for name, value in data.items():
            assert value.strip(), name
            if name in example and example[name] == value:
                # Only fields no rule knows may keep the example's value; people never repeat.
                assert not re.search(r"(^|[._])(nama|nik|nomor)", name), f"{name} copied from the example"


def test_a_family_card_describes_a_plausible_household() -> None:
    form = load_forms(TEMPLATES)["kartu-keluarga"]
    citizens = Citizens(seed=3)
    sizes = set()
    for _ in range(40):
        data = fill(form, citizens)
        rows = sorted({int(k.split(".")[1]) for k in data if k.startswith("anggota.")})
        assert rows == list(range(1, len(rows) + 1)) and 1 <= len(rows) <= 10
        sizes.add(len(rows))
        assert data["anggota.1.hubungan"] == "KEPALA KELUARGA"
        assert data["anggota.1.nama"] == data["nama_kepala_keluarga"]
        for row in rows:
            nik, born, sex = (data[f"anggota.{row}.{c}"] for c in ("nik", "tanggal_lahir", "jenis_kelamin"))
            assert re.fullmatch(r"\d{16}", nik) and DATE.match(born)
            day = int(nik[6:8])
            # The NIK's date digits agree with the birth date (day + 40 for women).
            assert day - (40 if sex == "PEREMPUAN" else 0) == int(born.split()[0])
            if data[f"anggota.{row}.hubungan"] == "ANAK":
                assert data[f"anggota.{row}.nama_ayah"] == data["anggota.1.nama"]
        assert re.fullmatch(r"\d{16}", data["nomor_kk"]) and re.fullmatch(r"\d{18}", data["nip"])
    assert len(sizes) >= 5


def test_approved_documents_and_tokens_verify_at_the_station() -> None:
    office = BackOffice(stations={STATION: BEARER}, seed=5, pin_ratio=0.5, pin_ln=8)
    trust = TrustStore(keys=(office.issuer_entry(),))
    approvals = office.approve(9)
    assert {a.template for a in approvals} == {"akta-kelahiran", "kartu-keluarga", "nib"}
    assert any(a.pin for a in approvals) and not all(a.pin for a in approvals)
    for approval in approvals:
        doc = document.check(approval.document, trust)
        assert doc.id == approval.id and doc.template == approval.template
        claims = pickup_token.verify(approval.token, trust, STATION)
        assert claims.doc == approval.id and claims.pin == (approval.pin is not None)
        assert claims.exp == int(doc.expires.timestamp())
        if approval.pin:
            assert check_pin(approval.pin, doc.pin_verifier) and not check_pin("x" + approval.pin, doc.pin_verifier)
        else:
            assert doc.pin_verifier is None
        # (issue 24) every document comes with its typed pickup code (§4.1): the reference names it, the
        # secret digits match its verifier
        code = pickup_code.parse(approval.code)
        assert code.text() == approval.code and doc.pickup_ref == code.ref
        assert pickup_code.matches(code, doc.code_verifier)
    refs = [pickup_code.parse(a.code).ref for a in approvals]
    assert len(set(refs)) == len(refs)  # unique among the station's open documents


def test_the_api_guards(server: BackOfficeServer, office: BackOffice) -> None:
    other = office.add_station("MPP-OTHER-02", "other-token")
    mine = office.approve(2)
    theirs = office.approve(1, station="MPP-OTHER-02")
    base = server.url
    feed = f"{base}/api/v1/stations/{STATION}/documents"
    assert httpx.get(feed).status_code == 401
    assert httpx.get(feed, headers={"Authorization": f"Bearer {other}"}).status_code == 401
    assert httpx.get(feed, params={"after": "garbage!"}, headers=HEADERS).status_code == 400
    assert httpx.get(feed, params={"limit": 0}, headers=HEADERS).status_code == 400
    page = httpx.get(feed, params={"limit": 50}, headers=HEADERS).json()
    assert [d["id"] for d in page["documents"]] == [a.id for a in mine]
    empty = httpx.get(feed, params={"after": page["cursor"]}, headers=HEADERS).json()
    assert empty["documents"] == [] and empty["cursor"] == page["cursor"]

    def post(doc_id: str, body: Any, headers: dict[str, str] = HEADERS) -> int:
        return httpx.post(f"{base}/api/v1/documents/{doc_id}/events", json=body, headers=headers).status_code

    event = {"event": "received", "at": "2026-03-01T00:00:00Z", "station": STATION, "detail": {}}
    assert post(mine[0].id, event, {}) == 401
    assert post(theirs[0].id, event) == 404  # another station's document
    assert post(mine[0].id, {**event, "station": "MPP-OTHER-02"}) == 403
    assert post(mine[0].id, {**event, "event": "lost"}) == 422
    assert post(mine[0].id, {**event, "extra": 1}) == 422
    assert httpx.post(f"{base}/api/v1/documents/{mine[0].id}/events", content=b"{", headers=HEADERS).status_code == 400
    assert post(mine[0].id, event) == 204 and post(mine[0].id, event) == 204
    assert office.events() == [{**event, "document_id": mine[0].id, "received_at": office.events()[0]["received_at"],
                                "deliveries": 2}]


def test_the_admin_api(server: BackOfficeServer, office: BackOffice) -> None:
    base = server.url
    made = httpx.post(f"{base}/sim/approve", json={"count": 3, "template": "nib"}).json()
    assert [m["template"] for m in made] == ["nib"] * 3
    listed = httpx.get(f"{base}/sim/documents").json()
    assert [m["id"] for m in listed] == [m["id"] for m in made]
    one = httpx.get(f"{base}/sim/documents/{made[0]['id']}").json()
    assert one["token"] == office.token(made[0]["id"]) and one["document"]["id"] == made[0]["id"]
    assert httpx.post(f"{base}/sim/approve", json={"count": 0}).status_code == 400
    assert httpx.post(f"{base}/sim/approve", json={"template": "nope"}).status_code == 400
    assert httpx.put(f"{base}/sim/faults", json={"bad_signature_rate": 2}).status_code == 400
    assert httpx.put(f"{base}/sim/faults", json={"nonsense": 1}).status_code == 400
    assert httpx.put(f"{base}/sim/faults", json={"duplicate_rate": 0.5, "down": True}).json()["down"] is True
    assert office.faults.duplicate_rate == 0.5
    assert httpx.get(f"{base}/api/v1/stations/{STATION}/documents", headers=HEADERS).status_code == 503
    assert httpx.get(f"{base}/sim/events").json() == []


def test_the_citizen_page_is_self_contained(server: BackOfficeServer, office: BackOffice) -> None:
    approval = office.approve(1, pin=True)[0]
    page = httpx.get(f"{server.url}/citizen/{approval.id}").text
    assert "<svg" in page and approval.id in page and approval.pin in page
    assert f'id="code">{approval.code}<' in page  # (issue 24) the typed code, for a QR that will not scan
    assert not re.search(r"(src|href)=\"(https?:)?//", page), "the page must load nothing from the network"
    assert httpx.get(f"{server.url}/citizen/NOPE").status_code == 404
    assert httpx.post(f"{server.url}/citizen/{approval.id}/scan").status_code == 501  # no hook given
    index = httpx.get(f"{server.url}/").text
    assert f'href="/citizen/{approval.id}"' in index


def test_the_citizen_page_shows_the_stations_local_time(server: BackOfficeServer, office: BackOffice) -> None:
    """(issue 25) The citizen's page showed raw UTC (`...T03:02:52.481Z`): a person reads WIB."""
    approval = office.approve(1)[0]
    page = httpx.get(f"{server.url}/citizen/{approval.id}").text
    expires = datetime.fromisoformat(approval.document["pickup_expires"].replace("Z", "+00:00"))
    shown = re.search(r'<span id="expires">([^<]*)</span>', page)
    assert shown is not None and approval.document["pickup_expires"] not in page
    wib = expires.astimezone(UTC) + timedelta(hours=7)
    assert shown.group(1) == wib.strftime("%Y-%m-%d %H:%M WIB"), shown.group(1)


def test_the_scan_hook_can_be_a_url(office: BackOffice) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[Any] = []

    class Station(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            seen.append((self.path, json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            body = b'{"released": true}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    station = ThreadingHTTPServer(("127.0.0.1", 0), Station)
    threading.Thread(target=station.serve_forever, daemon=True).start()
    try:
        office.scan_hook = f"http://127.0.0.1:{station.server_address[1]}/scan"
        with BackOfficeServer(office) as server:
            approval = office.approve(1)[0]
            result = httpx.post(f"{server.url}/citizen/{approval.id}/scan").json()
    finally:
        station.shutdown()
    assert seen == [("/scan", {"token": approval.token, "document": approval.id})]
    assert result == {"scanned": approval.id, "result": {"status": 200, "reply": {"released": True}}}


@pytest.mark.browser
def test_a_phone_shows_a_qr_the_scanner_reads_and_the_button_scans(office: BackOffice) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    playwright = pytest.importorskip("playwright.sync_api")
    from PIL import Image

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    scanned: list[tuple[str, str]] = []
    office.scan_hook = lambda doc_id, text: scanned.append((doc_id, text)) or {"door": "1-05"}
    with BackOfficeServer(office) as server:
        approval = office.approve(1, template="kartu-keluarga")[0]
        with playwright.sync_playwright() as play:
            browser = play.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"])
            try:
                phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
                phone.goto(f"{server.url}/citizen/{approval.id}")
                shot = phone.locator("#qr").screenshot()
                phone.click("#scan")
                phone.wait_for_function("document.getElementById('result').textContent.includes('door')")
                shown = phone.text_content("#result")
            finally:
                browser.close()
    import io

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert [f.text for f in found] == [approval.token]
    assert scanned == [(approval.id, approval.token)] and "1-05" in (shown or "")


def test_a_restart_keeps_the_address_and_the_state(office: BackOffice) -> None:
    server = BackOfficeServer(office).start()
    try:
        url = server.url
        office.approve(2)
        server.stop()
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/sim/documents")
        server.start()
        assert server.url == url and len(httpx.get(f"{url}/sim/documents").json()) == 2
    finally:
        server.stop()


def test_issuer_entry_signs_from_before_now() -> None:
    entry = BackOffice(pin_ratio=0.0).issuer_entry()
    assert entry.purpose == "issuer" and entry.sign_from is not None
    assert entry.sign_from < datetime.now(UTC) and entry.status == "active"
