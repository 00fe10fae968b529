"""A simulated agency back office (PROTOCOLS.md §7) for tests, demos and soak runs.

    office = BackOffice(stations={"MPP-DEMO-01": "secret"}, seed=7)
    with BackOfficeServer(office) as server:      # a free port, in a thread
        office.approve(10)                        # fictional documents, signed, with tokens
        server.url, office.token(doc_id), office.events()

`office.issuer_entry()` is the trust-store entry a station needs for the
documents and tokens this back office signs.
"""

from .faults import Faults, FaultError
from .office import Approval, BackOffice
from .runner import BackOfficeServer

__all__ = ["Approval", "BackOffice", "BackOfficeServer", "Faults", "FaultError"]
