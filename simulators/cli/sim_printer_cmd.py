"""`station sim printer --cups`: the CUPS lab (private cupsd + ippeveprinter) until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

from simulators.cups_lab import FAULTS, CupsLab

from .common import add_command

HELP_COMMANDS = f"""\
Type a command and Enter to change the simulated printer:
  fault NAME     next jobs fail with NAME ({', '.join(FAULTS)})
  ok             no more faults
  clear          a technician clears the printer (jam and other fault reasons go)
  paper N        load N sheets (0: paper out; a job waits until refilled)
  off / on       pull the printer's plug / plug it back in
  restart-cupsd  restart the scheduler
  printed        list what came out"""


def register_sim(group: argparse._SubParsersAction) -> None:
    """Add `station sim printer`."""
    parser = add_command(
        group, "printer", help="a real CUPS scheduler with a simulated IPP printer (--cups)",
        description="Start the CUPS lab: a private cupsd (own folder, port and socket; the machine's\n"
                    "CUPS is never touched) and ippeveprinter with a print command that can fail on\n"
                    "purpose, plus a queue with printer-error-policy=abort-job. Prints the [printer]\n"
                    "settings that point a station at it, then runs until interrupted.\n\n"
                    "Without --cups there is nothing to start: driver = \"sim\" runs the simulated\n"
                    "printer inside the station itself.\n\n" + HELP_COMMANDS,
        run=run)
    parser.add_argument("--cups", action="store_true", help="start the CUPS lab")
    parser.add_argument("--dir", type=Path, metavar="DIR",
                        help="folder for the lab's files (default: a new temporary folder)")
    parser.add_argument("--queue", default="kiosk-a4", help="CUPS queue name (default: %(default)s)")
    parser.add_argument("--page-seconds", type=float, default=1.0, metavar="S",
                        help="seconds the simulated printer takes per page (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    """Run the lab until SIGINT or SIGTERM, then stop everything it started."""
    if not args.cups:
        print("station: the in-process printer simulator runs inside the station ([printer] driver = \"sim\");"
              " use --cups to start a real CUPS scheduler with a simulated printer", file=sys.stderr)
        return 2
    folder = args.dir or Path(tempfile.mkdtemp(prefix="mpp-printer-lab-"))
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    lab = CupsLab(folder, queue=args.queue, page_seconds=args.page_seconds)
    try:
        lab.start()
        print(f"CUPS lab running in {folder} (cupsd on {lab.server}, printer at {lab.printer_uri})")
        print("station.toml:\n" + lab.config_snippet())
        print(HELP_COMMANDS, flush=True)
        reader = threading.Thread(target=_read_commands, args=(lab, stop), daemon=True)
        reader.start()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        lab.stop()
        signal.signal(signal.SIGTERM, previous)
        print("CUPS lab stopped", file=sys.stderr)
    return 0


def _read_commands(lab: CupsLab, stop: threading.Event) -> None:
    """Technician commands from standard input (end of input just stops reading)."""
    for line in sys.stdin:
        if stop.is_set():
            return
        words = line.split()
        if not words:
            continue
        try:
            print(apply_command(lab, words), flush=True)
        except Exception as err:  # noqa: BLE001 - a bad command must not stop the lab
            print(f"error: {err}", flush=True)


def apply_command(lab: CupsLab, words: list[str]) -> str:
    """Carry out one technician command on the lab; returns what happened."""
    command, rest = words[0], words[1:]
    if command == "fault" and len(rest) == 1:
        lab.set_fault(rest[0])
        return f"next jobs fail with {rest[0]}"
    if command == "ok":
        lab.set_fault(None)
        return "faults off"
    if command == "clear":
        lab.clear_printer()
        return "printer cleared"
    if command == "paper" and len(rest) == 1 and rest[0].isdigit():
        lab.set_paper(int(rest[0]))
        return f"{rest[0]} sheets loaded"
    if command == "off":
        lab.stop_printer()
        return "printer off"
    if command == "on":
        lab.ensure_running()
        return "printer on"
    if command == "restart-cupsd":
        lab.restart_cupsd()
        return "cupsd restarted"
    if command == "printed":
        return "\n".join(f"{p.printer_job}\t{p.title}\t{p.pages} pages" for p in lab.printed()) or "nothing yet"
    return f"unknown command {' '.join(words)!r}\n{HELP_COMMANDS}"
