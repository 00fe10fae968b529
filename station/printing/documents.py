"""The document of one job, checked before any attempt: its PDF, its pages, its print options."""

from __future__ import annotations

import logging
from pathlib import Path

from drivers.printer import BadDocument, BadOptions, check_options, copies_of, pdf_pages, sha256_of
from spool.jobs import Job

from station.printing.attempt import PrintDocument, OptionsFor

log = logging.getLogger("station.printing")


def prepare(job: Job, options_for: OptionsFor) -> PrintDocument | str:
    """What to send for `job`, or why it cannot be printed (`document-missing`, ..., `print-options`)."""
    problem = None
    pages = 0
    if not job.pdf_path:
        problem = "document-missing"
    else:
        try:
            # The bytes printed are the bytes rendered or verified: an agency-signed PDF with no
            # recorded digest cannot be checked, so it is not printed either (fail closed).
            checked = bool(job.pdf_sha256 or job.kind == "pdf")
            if checked and sha256_of(job.pdf_path) != job.pdf_sha256:
                problem = "document-changed"
            # (issue 27) Those very bytes had their pages counted when they were written: a citizen at a
            # dispenser does not wait for the PDF to be parsed again. Unrecorded: counted now.
            pages = job.pages if checked and problem is None and job.pages else pdf_pages(job.pdf_path)
        except BadDocument:
            problem = "document-unreadable"
    options = _options(job, options_for)
    if problem is None and options is None:
        problem = "print-options"
    if problem is not None or options is None:
        return problem or "print-options"
    return PrintDocument(Path(job.pdf_path), pages, pages * copies_of(options), options)  # type: ignore[arg-type]


def _options(job: Job, options_for: OptionsFor) -> dict[str, str] | None:
    try:
        return check_options(options_for(job))
    except BadOptions as err:
        log.warning("job %s: %s", job.id, err)
        return None
