"""While the spool cannot be written (disk full), the kiosk says so and no release starts."""

from __future__ import annotations

from station.release.kiosk import Screen

from patience import wait
from .conftest import Rig


def test_out_of_service_refuses_scans_then_serves_again(rig: Rig) -> None:
    slot = rig.cfg.slot_layout()[2][0]
    rig.stage("AKTA-OOS", slot)
    rig.counter.set_out_of_service("disk_full")
    wait(lambda: rig.counter.view.screen is Screen.OUT_OF_SERVICE, what="out of service")
    view = rig.scan(rig.token("AKTA-OOS"))
    assert view.screen is Screen.OUT_OF_SERVICE and view.reason == "disk_full"
    assert view.message["en"] and view.message["id"]
    assert rig.sim.unlock_count(slot) == 0 and rig.state("AKTA-OOS") == "staged"
    rig.counter.set_out_of_service(None)
    wait(lambda: rig.counter.view.screen is Screen.IDLE, what="back in service")
    assert rig.scan(rig.token("AKTA-OOS")).screen is Screen.OPEN
    assert rig.sim.unlock_count(slot) == 1
