"""The kiosk page in a real Chromium, for the screen tests: opened paired with the station, and shown a view."""

from __future__ import annotations

from webtest_browser import only_local

from station.release.kiosk import KioskView, Screen


def open_kiosk(chromium, site, size: tuple[int, int]):  # noqa: ANN001, ANN201 - Playwright's objects
    """A kiosk page at `size`, live on the station: (page, requests that left the station, page errors)."""
    page = chromium.new_page(viewport={"width": size[0], "height": size[1]})
    strays = only_local(page, site.url)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    key = site.server.config.app.state.web.kiosk_key()  # the kiosk's browser, paired with the station
    page.goto(f"{site.url}/kiosk?key={key}")
    page.wait_for_selector("main[data-screen='idle']")
    page.wait_for_selector("main[data-live='true']")
    return page, strays, errors


def show(station, page, view: KioskView) -> None:  # noqa: ANN001
    """Put `view` on the screen (through idle, so that every view is drawn afresh) and wait until it is."""
    if view.screen is not Screen.IDLE:
        station.daemon.show(KioskView(Screen.IDLE))
        page.wait_for_selector("main[data-screen='idle']")
    station.daemon.show(view)
    page.wait_for_selector(f"main[data-screen='{view.screen.value}']")
