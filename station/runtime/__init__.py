"""The framework every daemon part plugs into, and the guards of a running daemon.

`daemon` owns the spool connection and the parts' lifecycle; `parts` finds a
part by its type; `control` is the Unix socket the web app and the shell speak
to, `ops` names its commands and `roles` checks who may call them; `disk` and
`disk_writes` watch the station folder; `station_lock`, `sdnotify`,
`processes` and `owners` keep one daemon per station, tell systemd, tie
children to their parent and own the files. Nothing here knows a capability:
the parts that do live in `station.parts` and the capability packages.
"""
