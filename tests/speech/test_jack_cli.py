"""(issue 24) `station sim jack`: a technician plugs and unplugs a simulated headphone jack."""

from __future__ import annotations

import subprocess

import pytest
from patience import interrupt, wait
from simulation_child import STATION

from drivers.jack import JackSwitch

pytestmark = pytest.mark.integration


def test_station_sim_jack_writes_what_the_driver_reads(tmp_path) -> None:
    fifo = tmp_path / "jack"
    process = subprocess.Popen([*STATION, "sim", "jack", "--fifo", str(fifo)], stdin=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    switch = JackSwitch(fifo)
    try:
        wait(lambda: fifo.exists(), 30, "the FIFO")
        switch.open()
        assert process.stdin is not None
        process.stdin.write("plug\n")
        process.stdin.flush()
        assert wait(lambda: switch.read(0.5), 30, "the plug") is True
        process.stdin.write("unplug\n")
        process.stdin.flush()
        assert wait(lambda: switch.read(0.5) is False, 30, "the unplug")
    finally:
        switch.close()
        interrupt(process)
