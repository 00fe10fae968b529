"""Printing: documents onto paper, and what a restart finds of it.

`stage` feeds rendered documents to the printer one job at a time; `attempt`
is one submission and what became of it; `recovery` settles attempts a crash
cut short (an unknown outcome is never re-sent); `doctor` reads the printer's
own words through CUPS for `station doctor`.
"""
