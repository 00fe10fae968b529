"""Printing: documents onto paper, and what a restart finds of it.

`stage` feeds rendered documents to the printer one job at a time and
follows each attempt; `watch` reads the printer's status and keeps its
alarm; `policy` holds what differs between a locker and a dispenser (which
jobs print next, what a failed attempt does); `settings` and `documents`
are the stage's settings and its check of a job's PDF; `attempt` is one
submission and what became of it; `recovery` settles attempts a crash cut
short (an unknown outcome is never re-sent); `doctor` reads the printer's
own words through CUPS for `station doctor`.
"""
