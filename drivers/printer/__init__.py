"""Printer drivers: CUPS through pycups, and the interface the print stage uses.

`Printer` (device.py) is what the station talks to; `CupsPrinter`
(cups_driver.py) and the simulator in `simulators/printer.py` implement it.
Statuses use the station's device vocabulary (status.py).
"""

from .device import IPP_JOB_PHASES, JobPhase, Printer, PrinterJob
from .document import pdf_pages, sha256_of
from .errors import BadDocument, BadOptions, IppError, PrinterBlocked, PrinterError, PrinterUnreachable, PrintRefused
from .factory import open_printer
from .options import check_options, copies_of, print_options
from .status import BLOCKING, DeviceState, PrinterStatus, check_can_feed, parse_reasons, strip_severity

__all__ = ["open_printer", "Printer", "PrinterJob", "JobPhase", "IPP_JOB_PHASES", "PrinterStatus", "DeviceState", "BLOCKING",
           "check_can_feed", "parse_reasons", "strip_severity", "print_options", "check_options", "copies_of",
           "pdf_pages", "sha256_of", "PrinterError", "PrinterUnreachable", "PrinterBlocked", "PrintRefused",
           "BadDocument", "BadOptions", "IppError"]
