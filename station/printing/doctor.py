"""`station doctor`'s look at CUPS: the queue, its error policy, and the scheduler's job-file setting.

Kept apart from the print stage: one pycups connection, made and dropped
here, asking only (nothing is printed or changed).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from drivers.printer.cups_driver import parse_server

from station.config import PrinterSection

# The scheduler's configuration as CUPS serves it to an administrator.
CUPSD_CONF = "/admin/conf/cupsd.conf"
LOCAL_CUPSD_CONF = Path("/etc/cups/cupsd.conf")
IPP_PRINTER_STOPPED = 5


def printer_problems(section: PrinterSection) -> Iterator[tuple[str, str]]:
    """(problem, fix) for each CUPS setting that does not suit a kiosk."""
    try:
        import cups
    except ImportError:
        yield "pycups is not installed", "pip install pycups (needs libcups2-dev)"
        return
    host, port = parse_server(section.server)
    try:
        conn = (cups.Connection() if host is None else cups.Connection(host=host) if port is None
                else cups.Connection(host=host, port=port))
    except RuntimeError:
        yield (f"the CUPS scheduler {section.server or '(default)'} does not answer",
               "systemctl start cups, or fix [printer] server")
        return
    queue = section.queue
    try:
        attrs = conn.getPrinterAttributes(queue, requested_attributes=[
            "printer-error-policy", "printer-state", "printer-is-accepting-jobs", "printer-state-message"])
    except cups.IPPError:
        yield (f"CUPS has no queue {queue}", f"lpadmin -p {queue} -E -v ipp://PRINTER/ipp/print -m everywhere")
        return
    policy = attrs.get("printer-error-policy")
    if policy != "abort-job":
        yield (f"queue {queue}: printer-error-policy is {policy or 'unset'} (one failure stops the queue)",
               f"lpadmin -p {queue} -o printer-error-policy=abort-job")
    if not attrs.get("printer-is-accepting-jobs", False):
        yield f"queue {queue} does not accept jobs", f"cupsaccept {queue}"
    if attrs.get("printer-state") == IPP_PRINTER_STOPPED:
        yield f"queue {queue} is stopped", f"cupsenable {queue} (after fixing what stopped it)"
    text = _cupsd_conf(conn, host)
    if text is None:
        yield ("cannot read the scheduler's cupsd.conf to check PreserveJobFiles",
               "run station doctor as root, or check by hand: grep PreserveJobFiles /etc/cups/cupsd.conf")
        return
    value = _directive(text, "PreserveJobFiles")
    if value is None or value.lower() not in ("no", "off", "false"):
        yield (f"cupsd.conf: PreserveJobFiles is {value or 'not set (CUPS keeps job files a day)'}: citizen"
               " documents linger in the spooler",
               "set PreserveJobFiles No in cupsd.conf, then systemctl restart cups")


def _cupsd_conf(conn: object, host: str | None) -> str | None:
    """The scheduler's cupsd.conf over IPP (needs admin rights), else the local file for a local scheduler."""
    with tempfile.NamedTemporaryFile(prefix="mpp-cupsd-", suffix=".conf") as tmp:
        try:
            conn.getFile(CUPSD_CONF, tmp.name)  # type: ignore[attr-defined]
            return Path(tmp.name).read_text(encoding="utf-8", errors="replace")
        except Exception:  # noqa: BLE001 - pycups raises HTTPError, IPPError or RuntimeError: all "cannot"
            pass
    if host is None or host in ("localhost", "127.0.0.1"):
        try:
            return LOCAL_CUPSD_CONF.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    return None


def _directive(text: str, name: str) -> str | None:
    """The value of a top-level cupsd.conf directive (the last one wins), None when absent."""
    value = None
    for line in text.splitlines():
        words = line.split(None, 1)
        if len(words) == 2 and words[0].lower() == name.lower():
            value = words[1].strip()
    return value
