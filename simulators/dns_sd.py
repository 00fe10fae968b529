"""DNS-SD for the labs: ippeveprinter will not start without Avahi on a system bus.

Where Avahi already runs on the machine's system bus, it is used as it is.
Otherwise a private bus and Avahi are started, and their address is left in
`BUS_NOTE`, so that other labs (a demo beside the tests, the test workers of
one run) borrow them instead of failing on Avahi's one pid file
(/run/avahi-daemon/pid). Whoever started them stops them: a test run starts
one for all its workers (tests/conftest.py), so no lab pulls it away from another.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from .lab_parts import LabError, Process, tool, wait_until

# Where the owner of a private bus and Avahi leaves the bus address for the others.
BUS_NOTE = Path(tempfile.gettempdir()) / "mpp-cups-lab.bus"


class DnsSd:
    """Avahi for the labs: the machine's, another lab's, or a private one started in `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bus_address: str | None = None  # None: the machine's own system bus
        self._processes: dict[str, Process] = {}

    @property
    def owned(self) -> bool:
        """True when this one started the bus and Avahi (and stops them)."""
        return bool(self._processes)

    def start(self) -> DnsSd:
        """Find Avahi, or start a private bus and Avahi; a clear `LabError` if neither works."""
        if subprocess.run([tool("avahi-daemon"), "--check"], capture_output=True).returncode == 0:
            if Path("/run/dbus/system_bus_socket").exists():
                return self  # use the machine's own Avahi, as it is
            shared = _shared_bus()
            if shared is None:
                raise LabError("an Avahi daemon runs but not on the system bus; stop it first "
                               "(its pid is in /run/avahi-daemon/pid)")
            self.bus_address = shared  # another lab's private bus and Avahi: borrow them
            return self
        bus_socket = self.root / "bus.sock"
        bus_socket.unlink(missing_ok=True)
        bus_conf = self.root / "dbus.conf"
        bus_conf.write_text(_DBUS_CONF.format(socket=bus_socket))
        dbus = Process("dbus", [tool("dbus-daemon"), f"--config-file={bus_conf}", "--nofork"],
                       log=self._log("dbus"))
        dbus.start()
        self._processes["dbus"] = dbus
        wait_until("the private system bus (dbus-daemon)", bus_socket.exists, dbus)
        self.bus_address = f"unix:path={bus_socket}"
        avahi_conf = self.root / "avahi-daemon.conf"
        avahi_conf.write_text(_AVAHI_CONF)
        avahi = Process("avahi", [tool("avahi-daemon"), "-f", str(avahi_conf), "--no-drop-root",
                                  "--no-chroot", "--no-rlimits", "--no-proc-title"],
                        log=self._log("avahi"), env=self._env())
        avahi.start()
        self._processes["avahi"] = avahi
        wait_until("avahi-daemon", lambda: "Server startup complete" in avahi.log_tail(50), avahi)
        BUS_NOTE.write_text(f"{self.bus_address}\n")
        return self

    def stop(self) -> None:
        """Stop the bus and Avahi if this one started them."""
        if self._processes:
            BUS_NOTE.unlink(missing_ok=True)
        for name in ("avahi", "dbus"):
            process = self._processes.pop(name, None)
            if process is not None:
                process.stop()

    def _log(self, name: str) -> Path:
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        return logs / f"{name}.log"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.bus_address:
            env["DBUS_SYSTEM_BUS_ADDRESS"] = self.bus_address
        return env


def _shared_bus() -> str | None:
    """The private bus of another running lab (whose Avahi this one may borrow), if any."""
    try:
        address = BUS_NOTE.read_text().strip()
    except OSError:
        return None
    socket_path = address.removeprefix("unix:path=")
    return address if address.startswith("unix:path=") and Path(socket_path).exists() else None


_DBUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- The CUPS lab's private system bus: only Avahi and ippeveprinter use it. -->
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""

_AVAHI_CONF = """# The CUPS lab's Avahi: loopback only, publishes nothing of its own.
[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
disallow-other-stacks=no
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
"""
