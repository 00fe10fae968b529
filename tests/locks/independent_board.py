"""A board emulator written from PROTOCOLS.md alone, sharing no code with the project.

It frames requests by 25 ms of line quiet (as a slow real board might),
answers an 8A unlock 500 ms later, always sends three status bytes in a
whole-board reply, and opens a CU16 latch at once. The driver must work
against it unchanged: only the port path differs.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from pathlib import Path


class IndependentBoards:
    """CU16 (`family="cu16"`) or 8A/80 boards behind a pty linked at `link`."""

    def __init__(self, link: Path, family: str, addresses: list[int], unlock_delay: float = 0.5) -> None:
        self.family = family
        self.link = link
        self.unlock_delay = unlock_delay
        self.open_doors: set[tuple[int, int]] = set()  # (address, lock)
        self.items: set[tuple[int, int]] = set()
        self.addresses = addresses
        self.received: list[bytes] = []
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        link.symlink_to(os.ttyname(self.slave))
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.running = False
        self.thread.join(2)
        self.link.unlink()
        os.close(self.master)
        os.close(self.slave)

    def serve(self) -> None:
        pending = b""
        while self.running:
            ready, _, _ = select.select([self.master], [], [], 0.025)
            if ready:
                pending += os.read(self.master, 256)
                continue
            while len(pending) >= 5:  # 25 ms of quiet: what came is a request (or several)
                frame, pending = pending[:5], pending[5:]
                self.received.append(frame)
                self.handle(frame)
            pending = b""

    def handle(self, frame: bytes) -> None:
        if self.family == "cu16":
            if frame[0] != 0x02 or frame[3] != 0x03 or sum(frame[:4]) % 256 != frame[4]:
                return
            address = (frame[1] >> 4) + 1
            if address not in self.addresses:
                return
            if frame[2] == 0x30:
                latch = [0, 0]
                items = [0, 0]
                for lock in range(1, 17):
                    if (address, lock) not in self.open_doors:
                        latch[(lock - 1) // 8] |= 1 << ((lock - 1) % 8)  # locked_bit = 1
                    if (address, lock) in self.items:
                        items[(lock - 1) // 8] |= 1 << ((lock - 1) % 8)
                body = bytes([0x02, frame[1], 0x35, *latch, *items, 0x03])
                os.write(self.master, body + bytes([sum(body) % 256]))
            elif frame[2] == 0x31:
                self.open_doors.add((address, (frame[1] & 0x0F) + 1))
            return
        check = 0
        for byte in frame[:4]:
            check ^= byte
        if check != frame[4] or frame[1] not in self.addresses:
            return
        board, channel = frame[1], frame[2]

        def fb(ch: int) -> int:  # door_closing: 11 means closed
            return 0x00 if (board, ch) in self.open_doors else 0x11

        if frame[0] == 0x8A and frame[3] == 0x11 and channel:
            time.sleep(self.unlock_delay)
            self.open_doors.add((board, channel))
            body = bytes([0x8A, board, channel, fb(channel)])
        elif frame[0] == 0x80 and frame[3] == 0x33 and channel:
            body = bytes([0x80, board, channel, fb(channel)])
        elif frame[0] == 0x80 and frame[3] == 0x33:
            groups = [0, 0, 0]
            for ch in range(1, 25):
                if fb(ch) == 0x11:
                    groups[(ch - 1) // 8] |= 1 << ((ch - 1) % 8)
            body = bytes([0x80, board, groups[2], groups[1], groups[0], 0x33])
        else:
            return
        check = 0
        for byte in body:
            check ^= byte
        os.write(self.master, body + bytes([check]))
