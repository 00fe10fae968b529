"""The release: a verified token opens the door (locker) or presents the paper (dispenser).

`station.release.counter` tells the story of one scan (verify, find the document,
ask for the PIN) and hands the release to the flow of its station:
`locker.LockerRelease` (unlock, watch the door) or
`dispenser.DispenserRelease` (print into an empty bin, present, collect or
retain). Both record every device act in the ledger (`spool.intents`)
before doing it, and pick up what a crash interrupted from there.
"""
