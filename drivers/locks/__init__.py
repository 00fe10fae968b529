"""Lock boards (KR-CU16 and 8A/80) on serial buses: codecs, transport, device model.

What the rest of the station uses: `Locker` (all buses of a configuration,
slots named `B-LL`), the states and outcomes of `model`, and the typed
errors. `station locker ...` is the technician's side of the same code.
"""

from .bus import LockBus, UnlockFuture
from .errors import FrameError, LockError, NoReply, UnknownSlot, UnlockNotSent
from .locker import Locker
from .model import BoardState, BusState, Door, EventKind, Item, LockEvent, Outcome, SlotStatus

__all__ = ["Locker", "LockBus", "UnlockFuture", "Door", "Item", "Outcome", "BusState", "BoardState",
           "EventKind", "LockEvent", "SlotStatus", "LockError", "FrameError", "NoReply", "UnknownSlot",
           "UnlockNotSent"]
