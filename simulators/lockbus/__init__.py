"""A lock-bus simulator: CU16 or 8A/80 boards on a pseudo-terminal, with faults.

`LockBusSim.uniform("cu16", "/tmp/bus", boards=2).start()` gives two boards
at the link `/tmp/bus`; `station sim bus` runs the same from the command line.
"""

from .boards import BoardSpec
from .faults import Fault, FaultError, parse_fault
from .sim import LockBusSim, SimStats

__all__ = ["LockBusSim", "SimStats", "BoardSpec", "Fault", "FaultError", "parse_fault"]
