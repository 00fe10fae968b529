"""The suite's tiers: which tests `make check` runs, and a guard that keeps that line honest.

`make check` runs the tests that start no child process, browser, CUPS or whole
station: it deselects the markers `integration`, `slow`, `browser` and `cups`.
Tests mark themselves where they can (`pytestmark`); the modules listed in
`INTEGRATION` below start child processes in their fixtures or helpers and are
marked here, in one place, as are the in-process tests that are `SLOW` by nature.

The guard: with `MPP_FAST_TIER=1` (as `make check` sets it), a test that starts
a child process anyway fails and says to mark it. With `MPP_TIER_AUDIT=FILE`,
every test that starts one is written to FILE (one node id a line), which is
how the list below was made.
"""

from __future__ import annotations

import multiprocessing.process
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

# Test modules (or single tests, by node id prefix) that start child processes.
INTEGRATION: tuple[str, ...] = (
    "tests/locks/test_transport.py::test_permission_denied_is_a_configuration_error",  # forks to drop root
    "tests/templates/test_properties.py::test_any_value_renders_and_reads_back_or_is_refused_by_name",  # pdftoppm
    "tests/backoffice/test_import_cli.py",
    "tests/backoffice/test_intake.py",
    "tests/backoffice/test_sim_cli.py",
    "tests/backoffice/test_simulator.py",
    "tests/cli/test_bad_input.py",
    "tests/cli/test_consistency.py",
    "tests/cli/test_no_library_warnings.py",
    "tests/cli/test_shell.py",
    "tests/cli/test_simulate_cli.py",
    "tests/cli/test_startup.py",
    "tests/daemon/test_checkpoint.py",
    "tests/daemon/test_control.py",
    "tests/daemon/test_control_long_path.py",
    "tests/daemon/test_daemon_ops.py",
    "tests/daemon/test_job_rules.py",
    "tests/daemon/test_one_daemon.py",
    "tests/daemon/test_processes.py",
    "tests/devices/test_late_scanner.py",
    "tests/fleet/test_command_center.py",
    "tests/fleet/test_fleet_alerts.py",
    "tests/fleet/test_metrics.py",
    "tests/fleet/test_prometheus_config.py",
    "tests/fleet/test_webhook_delivery.py",
    "tests/locks/test_cli.py",
    "tests/locks/test_locker.py",
    "tests/printing/test_cli_printer.py",
    "tests/scanner/test_serial_scanner.py",
    "tests/security/test_doctor.py",
    "tests/security/test_https.py",
    "tests/security/test_private_files.py",
    "tests/security/test_station_security.py",
    "tests/security/test_trust_fails_closed.py",
    "tests/security/test_unit.py",
    "tests/signedpdf/test_cli.py",
    "tests/signedpdf/test_document.py",
    "tests/signedpdf/test_signed_revision.py",
    "tests/signedpdf/test_simulate.py",
    "tests/spool/test_audit_tamper.py",
    "tests/spool/test_cli.py",
    "tests/spool/test_concurrent_open.py",
    "tests/spool/test_crash.py",
    "tests/station/test_backoffice_down.py",
    "tests/station/test_complaints_end_to_end.py",
    "tests/station/test_corrections.py",
    "tests/station/test_disk_full.py",
    "tests/station/test_disk_readonly.py",
    "tests/station/test_end_to_end.py",
    "tests/station/test_retention_disk.py",
    "tests/station/test_scanner_noise_daemon.py",
    "tests/station/test_slots_config.py",
    "tests/templates/test_render.py",
    "tests/tokens/test_cli.py",
    "tests/tokens/test_corpus.py",
    "tests/web/test_actions.py",
    "tests/web/test_body_gate.py",
    "tests/web/test_browser.py",
    "tests/web/test_events.py",
    "tests/web/test_kiosk_screens.py",
    "tests/web/test_part.py",
    "tests/web/test_station_browser.py",
)

# In process, but long by nature: a lock bus's timeouts at wire speed (silent boards, late replies,
# power cycles) and the release state machine's random days. They run in `make test` only.
SLOW: tuple[str, ...] = (
    "tests/locks/test_faults.py",
    "tests/release/test_release_stateful.py",
    "tests/locks/test_unlock.py::test_unknown_outcome_is_never_sent_again",
    "tests/release/test_loading.py::test_a_latch_that_does_not_open_takes_its_slot_out_of_service",
    "tests/release/test_loading.py::test_a_door_that_opens_late_for_loading_is_still_staged",
    "tests/backoffice/test_feed.py::test_every_misbehaviour_at_once_then_calm",
    "tests/web/test_openapi_fuzz.py",  # schemathesis over the whole API
)

_WHOLE_MODULES = frozenset(entry for entry in (*INTEGRATION, *SLOW) if "::" not in entry)
_spawned: list[str] = []


def _watch(owner: Any, name: str) -> None:
    original = getattr(owner, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        _spawned.append(f"{getattr(owner, '__name__', owner)}.{name}")
        return original(*args, **kwargs)

    setattr(owner, name, watched)


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("MPP_FAST_TIER") or os.environ.get("MPP_TIER_AUDIT"):
        _watch(subprocess.Popen, "_execute_child")
        _watch(multiprocessing.process.BaseProcess, "start")
        _watch(os, "fork")


def pytest_ignore_collect(collection_path: Any, config: pytest.Config) -> bool | None:
    """In the fast tier, a module that is integration or slow as a whole is not even imported."""
    if not os.environ.get("MPP_FAST_TIER"):
        return None
    relative = str(collection_path.relative_to(config.rootpath)) if collection_path.is_relative_to(
        config.rootpath) else ""
    return True if relative in _WHOLE_MODULES else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(INTEGRATION):
            item.add_marker(pytest.mark.integration)
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    _spawned.clear()  # module fixtures start their processes in the setup of the module's first test
    yield
    audit = os.environ.get("MPP_TIER_AUDIT")
    if _spawned and audit:
        with open(audit, "a") as out:
            out.write(item.nodeid + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if _spawned and os.environ.get("MPP_FAST_TIER") and report.passed and not hasattr(item, "_tier_failed"):
        item._tier_failed = True  # type: ignore[attr-defined]  # said once, in the phase that started it
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} starts a child process ({_spawned[0]}) in the fast tier: "
                           "mark it integration (tests/support/tiers.py), or keep it in process")
