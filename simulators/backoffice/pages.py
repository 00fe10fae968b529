"""The simulator's HTML: each citizen's pickup QR as a phone shows it, and an index of documents.

Self-contained pages (inline CSS, inline SVG, a few lines of script): nothing
is fetched from the network. Every value is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from station import localtime
from station.trust.token import qr_code

from .office import Approval, BackOffice

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#eef2f5;color:#1c2833}
main{max-width:420px;margin:0 auto;background:#fff;min-height:100vh;padding:18px 20px}
h1{font-size:1.15rem;margin:.2rem 0 1rem}
.muted{color:#5d6d7e;font-size:.9rem}
.qr{display:flex;justify-content:center;margin:18px 0;background:#fff}
.qr svg{width:100%;max-width:300px;height:auto}
.pin{font-size:1.6rem;letter-spacing:.3rem;font-weight:700}
button{width:100%;padding:14px;font-size:1.05rem;border:0;border-radius:8px;background:#1a5276;color:#fff}
#result{margin-top:14px;white-space:pre-wrap;font-family:monospace;font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}
td,th{border-bottom:1px solid #d5dbdb;padding:4px;text-align:left}
.wide{max-width:1100px}
button.small{width:auto;padding:3px 8px;font-size:.8rem;border-radius:4px}
"""


def _page(title: str, body: str, *, wide: bool = False) -> str:
    main = '<main class="wide">' if wide else "<main>"
    return ("<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body>{main}{body}</main></body></html>")


def citizen_page(approval: Approval, *, can_scan: bool, zone: str = localtime.people.DEFAULT_ZONE) -> str:
    """The citizen's phone: what was approved, where to collect it, the QR, the PIN apart, a scan button.

    (issue 25) Times read in the station's local time with its zone (`zone`: the simulated stations keep the
    configuration's default, WIB), never raw UTC: docs/adr/0331."""
    svg = qr_code(approval.token).svg_inline(scale=4, border=4, title="Kode QR pengambilan")
    holder = _holder_name(approval.document.get("data", {}))
    pin = ""
    if approval.pin:
        pin = ("<p class=\"muted\">PIN (dikirim terpisah lewat SMS / sent apart by SMS):</p>"
               f"<p class=\"pin\" id=\"pin\">{escape(approval.pin)}</p>")
    scan = ("<button id=\"scan\" type=\"button\">Pindai di stasiun / Scan at the station</button>"
            "<div id=\"result\" role=\"status\"></div>"
            "<script>document.getElementById('scan').addEventListener('click',async()=>{"
            "const out=document.getElementById('result');out.textContent='...';"
            f"const r=await fetch('/citizen/{escape(approval.id)}/scan',{{method:'POST'}});"
            "const t=await r.text();out.textContent=r.status+' '+t;});</script>") if can_scan else (
            "<p class=\"muted\">(No scan hook: the simulator was started without a station.)</p>")
    body = (f"<p class=\"muted\">Mal Pelayanan Publik &middot; stasiun {escape(approval.station)}</p>"
            f"<h1>{escape(approval.title)} siap diambil</h1>"
            f"<p>{escape(holder)}</p>"
            f"<p class=\"muted\">Nomor dokumen / document: <b id=\"document\">{escape(approval.id)}</b><br>"
            "Ambil sebelum / collect before: <span id=\"expires\">"
            f"{escape(localtime.for_people(approval.document['pickup_expires'], zone, precision='minutes'))}</span></p>"
            f"<div class=\"qr\" id=\"qr\" data-token=\"{escape(approval.token)}\">{svg}</div>"
            "<p class=\"muted\">Tunjukkan kode QR ini ke pemindai di stasiun.<br>"
            "Show this QR code to the station's scanner.</p>"
            f"{_code(approval)}{pin}{scan}")
    return _page(f"{approval.title} {approval.id}", body)


def _code(approval: Approval) -> str:
    """(issue 24) The typed pickup code (PROTOCOLS §4.1), for when the QR cannot be shown."""
    if not approval.code:
        return ""
    return ("<p class=\"muted\">Tidak bisa memindai? Ketik kode pengambilan ini di stasiun.<br>"
            "Cannot scan? Type this pickup code at the station.</p>"
            f"<p class=\"pin\" id=\"code\">{escape(approval.code)}</p>")


def _holder_name(data: dict[str, Any]) -> str:
    """The first name-like field, as a phone app greets its user."""
    for key, value in data.items():
        if key.startswith("nama") and "." not in key:
            return str(value)
    return ""


def index_page(office: BackOffice) -> str:
    """Every approved document with a link to its citizen page, the events received, the faults."""
    rows = "".join(
        f"<tr><td><a href=\"/citizen/{escape(a.id)}\">{escape(a.id)}</a></td><td>{escape(a.station)}</td>"
        f"<td>{escape(a.template)}</td><td>{'PIN' if a.pin else ''}</td>"
        f"<td>{escape(', '.join(e['event'] for e in office.events(a.id)))}</td>"
        f"<td>r{int(a.document.get('revision', 0))}{' withdrawn' if a.withdrawn else ''}"
        f" <button class=\"small\" type=\"button\" data-change=\"correct\" data-doc=\"{escape(a.id)}\">correct</button>"
        f" <button class=\"small\" type=\"button\" data-change=\"withdraw\" data-doc=\"{escape(a.id)}\">withdraw"
        "</button></td></tr>"
        for a in office.approvals())
    faults = ", ".join(f"{k}={v}" for k, v in office.faults.as_dict().items() if v) or "none"
    body = ("<h1>Back office (simulator)</h1>"
            f"<p class=\"muted\">issuer key {escape(office.kid)} &middot; stations "
            f"{escape(', '.join(office.stations))} &middot; faults: {escape(faults)}</p>"
            "<table><tr><th>document</th><th>station</th><th>template</th><th></th><th>events</th>"
            "<th>corrections (§7.1)</th></tr>"
            f"{rows}</table>"
            # Correct or withdraw a document: it goes out in the station's feed, signed (PROTOCOLS §7.1).
            "<script>document.addEventListener('click',async(e)=>{const b=e.target.closest('button[data-change]');"
            "if(!b)return;b.disabled=true;const r=await fetch(`/sim/documents/${encodeURIComponent(b.dataset.doc)}/"
            "${b.dataset.change}`,{method:'POST'});b.textContent=r.ok?'sent':'failed '+r.status;});</script>")
    return _page("Back office (simulator)", body, wide=True)
