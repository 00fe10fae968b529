"""The daemon's parts that tie the capabilities together, and how a station of each kind is assembled.

`assembly` builds the parts a locker or a dispenser runs (the composition
root: the one place that knows every package); `devices` and `slot_ops` run
the lock buses, printer and scanner and the slot operations on them;
`technician`, `timers` and `housekeeping` are the daemon's own chores. The
framework they plug into is `station.runtime`.
"""
