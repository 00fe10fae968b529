"""The running daemon: its parts, its control socket, its timers and its guards.

`daemon` owns the spool connection and the parts' lifecycle; `assembly` builds
the parts a station of each kind runs; `control` is the Unix socket the web
app and the shell speak to; `devices`, `disk`, `housekeeping`, `technician` and
`timers` are parts; `station_lock`, `sdnotify`, `processes` and `owners` keep
one daemon per station, tell systemd, reap children and own the files.
"""
