"""The CUPS lab: a real CUPS scheduler and an IPP Everywhere printer simulator, private.

For tests and the demo (`station sim printer --cups`), as LAB.md describes:
a system bus and Avahi (ippeveprinter will not start without DNS-SD),
`cupsd`, `ippeveprinter` with a print command that injects faults and
reports pages (`ippeve-print.sh`), and a queue with
`printer-error-policy=abort-job`.

Everything lives in one folder and on ports picked free at start: the lab
runs its own cupsd (own ServerRoot, spool, logs, domain socket and port),
never touches a CUPS configuration it did not create, and stops exactly the
processes it started. Avahi comes from `dns_sd`: the machine's, another
lab's, or a private one (its pid file in /run/avahi-daemon is the one trace
the lab leaves while running).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from drivers.errors import DeviceError

from .dns_sd import DnsSd
from .lab_parts import START_TIMEOUT_S, LabError, Process, free_port, tool, wait_until

PRINT_COMMAND = Path(__file__).with_name("ippeve-print.sh")
TOOLS = ("dbus-daemon", "avahi-daemon", "cupsd", "ippeveprinter", "lpadmin", "ipptool", "pdfinfo")
FAULTS = ("media-jam", "media-empty", "door-open", "cover-open", "toner-empty", "output-area-full", "short")
MAINTENANCE_JOB = "mpp-lab-maintenance"


@dataclass(frozen=True)
class Printed:
    """One document that came out of the simulated printer."""

    printer_job: int
    title: str
    pages: int
    file: Path


class CupsLab:
    """A private cupsd and ippeveprinter in `root`; use as a context manager or start()/stop()."""

    def __init__(self, root: Path | str, *, queue: str = "kiosk-a4", page_seconds: float = 0.0,
                 printer_name: str = "MPP-SimPrinter") -> None:
        self.root = Path(root).resolve()
        self.queue = queue
        self.printer_name = printer_name
        self.page_seconds = page_seconds
        self.out_dir = self.root / "printed"
        self.control_file = self.root / "printer-control"
        # cupsd's tree lives apart, in /tmp: its backends run as user lp and
        # must reach the spool, which a private test folder (0700) would hide.
        self.cups_dir = Path("/nonexistent")
        self.socket = self.cups_dir / "cups.sock"
        self.cups_port = 0
        self.printer_port = 0
        self._dns_sd = DnsSd(self.root)
        self._processes: dict[str, Process] = {}
        self._fault: str | None = None

    # -- addresses -----------------------------------------------------------

    @property
    def server(self) -> str:
        """Where pycups finds the lab's cupsd (its domain socket)."""
        return str(self.socket)

    @property
    def printer_uri(self) -> str:
        """The simulated printer's own IPP URI."""
        return f"ipp://127.0.0.1:{self.printer_port}/ipp/print"

    def printer_settings(self, queue: str | None = None) -> dict[str, object]:
        """The station's `[printer]` settings for a queue of this lab."""
        return {"driver": "cups", "server": self.server, "queue": queue or self.queue, "uri": self.printer_uri}

    def config_snippet(self, queue: str | None = None) -> str:
        """The `[printer]` section of a station.toml that prints through this lab."""
        lines = ["[printer]"] + [f'{key} = "{value}"' for key, value in self.printer_settings(queue).items()]
        return "\n".join(lines) + "\n"

    # -- start and stop ------------------------------------------------------

    def __enter__(self) -> CupsLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> CupsLab:
        """Start every part (a clear `LabError` if one cannot); returns self."""
        missing = [tool for tool in TOOLS if shutil.which(tool) is None
                   and not Path("/usr/sbin", tool).exists()]
        if missing:
            raise LabError(f"the CUPS lab needs {', '.join(missing)}: install the Debian packages in "
                           "scripts/system-packages.sh (cups, cups-ipp-utils, avahi-daemon, dbus, poppler-utils)")
        if os.geteuid() != 0:
            raise LabError("the CUPS lab runs cupsd and Avahi and needs root (CI runs as root)")
        self.root.mkdir(parents=True, exist_ok=True)
        self.out_dir.mkdir(exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        self._write_control()
        self.cups_dir = Path(tempfile.mkdtemp(prefix="mpp-cups-lab-"))
        self.cups_dir.chmod(0o755)
        self.socket = self.cups_dir / "cups.sock"
        (self.root / "cups-dir").write_text(f"{self.cups_dir}\n")
        try:
            self._dns_sd.start()
            self.printer_port = free_port()
            self.start_printer()
            self.cups_port = free_port()
            self._write_cups_config()
            self.start_cupsd()
            self.add_queue(self.queue)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop what the lab started, newest first."""
        for name in ("cupsd", "printer"):
            process = self._processes.pop(name, None)
            if process is not None:
                process.stop()
        self._dns_sd.stop()
        if self.cups_dir.name.startswith("mpp-cups-lab-") and self.cups_dir.is_dir():
            # Keep cupsd's logs with the lab's own, then drop its tree (job files included).
            for log in (self.cups_dir / "logs").glob("*_log"):
                shutil.copyfile(log, self.root / "logs" / f"cupsd-{log.name}")
            shutil.rmtree(self.cups_dir, ignore_errors=True)

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self._dns_sd.bus_address:
            env["DBUS_SYSTEM_BUS_ADDRESS"] = self._dns_sd.bus_address
        env["MPP_LAB_CONTROL"] = str(self.control_file)
        env["MPP_LAB_OUT"] = str(self.out_dir)
        return env

    def _log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    def start_printer(self) -> None:
        """Start (or start again) ippeveprinter on the lab's printer port."""
        command = self.root / "ippeve-print.sh"
        shutil.copyfile(PRINT_COMMAND, command)
        command.chmod(0o755)
        spool = self.root / "printer-spool"
        spool.mkdir(exist_ok=True)
        printer = Process("printer", [
            tool("ippeveprinter"), "-p", str(self.printer_port), "-n", "localhost", "-d", str(spool),
            "-c", str(command), "-f", "application/pdf,application/octet-stream", "-F", "application/pdf",
            "-s", "30", "-m", "SimPrinter", self.printer_name], log=self._log("printer"), env=self._env())
        printer.start()
        self._processes["printer"] = printer
        from drivers.printer.ipp_client import IppClient

        client = IppClient(self.printer_uri, timeout=1.0)

        def answers() -> bool:
            try:
                client.printer_attributes()
                return True
            except DeviceError:  # the IPP client's errors are the drivers' own
                return False
            finally:
                client.close()

        wait_until("ippeveprinter", answers, printer)

    def ensure_running(self) -> None:
        """Start the printer and cupsd again if they were stopped (a test pulled a plug)."""
        if "printer" not in self._processes:
            self.start_printer()
        if "cupsd" not in self._processes:
            self.start_cupsd()

    def stop_printer(self) -> None:
        """Pull the simulated printer's plug (it and its running print command stop at once)."""
        process = self._processes.pop("printer", None)
        if process is not None:
            process.stop(sig=signal.SIGKILL)

    def _write_cups_config(self) -> None:
        for name in ("root", "spool", "spool/tmp", "cache", "state", "logs"):
            (self.cups_dir / name).mkdir(parents=True, exist_ok=True)
        (self.cups_dir / "root" / "cups-files.conf").write_text(_CUPS_FILES_CONF.format(cups=self.cups_dir))
        (self.cups_dir / "root" / "cupsd.conf").write_text(
            _CUPSD_CONF.format(port=self.cups_port, socket=self.socket))

    def start_cupsd(self) -> None:
        """Start (or start again) the lab's cupsd, in the foreground of its own process group."""
        self.socket.unlink(missing_ok=True)
        root = self.cups_dir / "root"
        cupsd = Process("cupsd", [tool("cupsd"), "-f", "-c", str(root / "cupsd.conf"),
                                  "-s", str(root / "cups-files.conf")], log=self._log("cupsd"), env=self._env())
        cupsd.start()
        self._processes["cupsd"] = cupsd
        wait_until("cupsd", self._cupsd_answers, cupsd)

    def stop_cupsd(self) -> None:
        """Stop the lab's cupsd the way a service manager does (SIGTERM)."""
        process = self._processes.pop("cupsd", None)
        if process is not None:
            process.stop(group=False)

    def restart_cupsd(self) -> None:
        """Stop and start cupsd (jobs it was processing go back to pending, as CUPS does)."""
        self.stop_cupsd()
        self.start_cupsd()

    def _cupsd_answers(self) -> bool:
        if not self.socket.exists():
            return False
        import cups

        try:
            cups.Connection(host=str(self.socket)).getPrinters()
            return True
        except (RuntimeError, cups.IPPError, cups.HTTPError):
            return False

    # -- queues --------------------------------------------------------------

    def add_queue(self, name: str) -> str:
        """Add an IPP Everywhere queue for the simulated printer; a failed job aborts, the queue goes on."""
        self._lpadmin("-p", name, "-E", "-v", self.printer_uri, "-m", "everywhere",
                      "-o", "printer-error-policy=abort-job")
        return name

    def remove_queue(self, name: str) -> None:
        """Delete a queue of the lab."""
        self._lpadmin("-x", name)

    def _lpadmin(self, *args: str) -> None:
        result = subprocess.run([tool("lpadmin"), "-h", str(self.socket), *args], capture_output=True,
                                text=True, timeout=30)
        if result.returncode != 0:
            raise LabError(f"lpadmin {' '.join(args)} failed: {result.stderr.strip()}")

    # -- the printer's faults --------------------------------------------------

    def set_fault(self, fault: str | None) -> None:
        """Make the next jobs fail with `fault` (see FAULTS), or print normally again (None)."""
        if fault is not None and fault not in FAULTS:
            raise LabError(f"unknown fault {fault!r}: expected one of {', '.join(FAULTS)}")
        self._fault = fault
        self._write_control()

    def set_page_seconds(self, seconds: float) -> None:
        """How long the simulated printer takes per page."""
        self.page_seconds = seconds
        self._write_control()

    def _write_control(self) -> None:
        text = f"fault={self._fault or ''}\npage_seconds={self.page_seconds:g}\n"
        tmp = self.control_file.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(self.control_file)

    def clear_printer(self) -> None:
        """A technician opens the printer and clears it: every fault reason goes (a maintenance job)."""
        blank = self.root / "maintenance.pdf"
        if not blank.exists():
            blank.write_bytes(_BLANK_PDF)
        test = self.root / "maintenance.test"
        test.write_text(_MAINTENANCE_TEST)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            result = subprocess.run([tool("ipptool"), "-f", str(blank), self.printer_uri, str(test)],
                                    capture_output=True, text=True, timeout=30)
            if result.returncode == 0:
                break
            busy = "another job" in result.stdout + result.stderr  # ippeveprinter prints one job at a time
            if not busy or time.monotonic() > deadline:
                raise LabError(f"the maintenance job failed: {result.stdout.strip()} {result.stderr.strip()}")
            time.sleep(0.2)
        wait_until("the printer to clear", lambda: not set(self.printer_reasons()) & set(FAULTS), timeout=10)

    def printer_reasons(self) -> list[str]:
        """The simulated printer's own `printer-state-reasons`, severity suffixes stripped."""
        from drivers.printer.ipp_client import IppClient
        from drivers.printer.status import parse_reasons

        client = IppClient(self.printer_uri, timeout=2.0)
        try:
            return list(parse_reasons(client.printer_attributes().values("printer-state-reasons")))
        finally:
            client.close()

    def set_paper(self, sheets: int) -> None:
        """Load the main tray with `sheets` (0: empty; a job then waits with `media-needed`)."""
        # The form sets every tray at once: the by-pass tray keeps ippeveprinter's default.
        query = urllib.parse.urlencode({"size1": "iso_a4_210x297mm", "type1": "stationery",
                                        "level1": str(sheets), "size3": "na_number-10_4.125x9.5in",
                                        "type3": "envelope", "level3": "-2"})
        url = f"http://127.0.0.1:{self.printer_port}/media?{query}"
        with urllib.request.urlopen(url, timeout=10) as answer:
            answer.read()

    # -- what came out -------------------------------------------------------

    def printed(self) -> list[Printed]:
        """Every document the simulated printer printed, in order."""
        return [Printed(int(fields[0]), fields[1], int(fields[2]), self.out_dir / fields[3])
                for fields in self._log_rows("printed.log", 4)]

    def started(self) -> list[str]:
        """Titles of the jobs the printer began printing, in order."""
        return [fields[1] for fields in self._log_rows("started.log", 2)]

    def faulted(self) -> list[tuple[str, str]]:
        """(title, fault) of the jobs the printer failed, in order."""
        return [(fields[1], fields[2]) for fields in self._log_rows("faults.log", 3)]

    def _log_rows(self, name: str, width: int) -> Iterator[list[str]]:
        path = self.out_dir / name
        if not path.exists():
            return iter(())
        rows = [line.split("\t") for line in path.read_text(errors="replace").splitlines()]
        return iter([row for row in rows if len(row) == width])


_CUPS_FILES_CONF = """# The CUPS lab's private cupsd: every file under {cups}.
ServerRoot {cups}/root
RequestRoot {cups}/spool
TempDir {cups}/spool/tmp
CacheDir {cups}/cache
StateDir {cups}/state
ErrorLog {cups}/logs/error_log
AccessLog {cups}/logs/access_log
PageLog {cups}/logs/page_log
Printcap {cups}/printcap
FileDevice No
"""

_CUPSD_CONF = """# The CUPS lab's private cupsd: own port and socket, no browsing, no web interface.
LogLevel info
Listen 127.0.0.1:{port}
Listen {socket}
Browsing No
BrowseLocalProtocols none
DefaultAuthType None
WebInterface No
# Job files stay while a job can still be restarted (cupsd drops them at a
# restart with "No"), then go: citizen documents must not linger.
PreserveJobFiles Yes
PreserveJobHistory Yes
MaxJobs 500
# Queues and job state on disk at once, not 30 s later: a cupsd that dies while it
# stops (Debian 12's has been seen to) must not take the queues it was given along.
DirtyCleanInterval 0
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

_MAINTENANCE_TEST = """{
  NAME "MPP lab maintenance job"
  OPERATION Print-Job
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR name requesting-user-name mpp-lab
  ATTR name job-name "%s"
  ATTR mimeMediaType document-format application/pdf
  FILE $filename
  STATUS successful-ok
  STATUS successful-ok-ignored-or-substituted-attributes
}
""" % MAINTENANCE_JOB

# A one-page blank PDF (the maintenance job's document).
_BLANK_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
              b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
              b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
              b"trailer<</Root 1 0 R>>\n%%EOF\n")
