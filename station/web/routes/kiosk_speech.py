"""`/api/v1/kiosk/voice`: the page asks the station to speak, beep or chime; its key map and screen size.

The page names a screen or a change, never the words: the station composes
every sentence itself (station.speech), from the daemon's own view where the
screen is the daemon's, so no text the page sends can be spoken and nothing
personal is (docs/adr/0300).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from station.release.kiosk import Screen
from station.runtime import ops
from station.runtime.control import ControlError
from station.speech import compose
from station.speech.kiosk_voice import KioskVoice, build
from station.speech.words import PAGE_SCREENS

from ..auth import KIOSK_ACT, KIOSK_READ, Principal
from ..respond import json_response, protected
from ..state import WebState
from .common import daemon, web
from .kiosk import citizen_view

router = APIRouter(prefix="/api/v1/kiosk", tags=["kiosk"])

Action = Literal["screen", "say", "help", "repeat", "silence", "tone", "volume_up", "volume_down", "end_visit"]


# The screens the station has sentences for: the daemon's, and the page's own (typed code, menus, settings).
SCREEN_NAMES = tuple(dict.fromkeys([*(screen.value for screen in Screen), *sorted(PAGE_SCREENS)]))
ScreenName = Literal[SCREEN_NAMES]  # type: ignore[valid-type]


class VoiceBody(BaseModel):
    """What the citizen did or sees: a screen (by name), a key's effect; never words.

    `screen` speaks a screen that is now shown (with its chime, if a door opened or shut); `say` speaks a
    screen's sentence without changing anything; without a name, both mean the screen shown now.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"action": "screen", "screen": "pin"}]})
    action: Action
    screen: ScreenName | None = None
    seconds: int | None = Field(None, ge=0, le=86400)


class VoiceState(BaseModel):
    """Speech mode (headphones in, or the help key), the jack, the volume step."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"mode": True, "jack": False, "volume": 5}]})
    mode: bool
    jack: bool
    volume: int


class KioskSettings(BaseModel):
    """What the kiosk page needs to know of its keypad and screen."""

    speech: VoiceState
    keys: dict[str, str]
    screen: dict[str, float]


def attach(state: WebState) -> KioskVoice:
    """The web process's voice; its changes (a plug in the jack) go to the kiosk page as `speech` events."""
    return build(state.cfg, on_change=lambda change: state.relay.publish("speech", change))


def _voice(request: Request) -> KioskVoice:
    return request.app.state.voice


@router.get("/voice", summary="The kiosk's speech mode, key map and screen size", response_model=None,
            responses={200: {"model": KioskSettings}, **protected()}, openapi_extra=KIOSK_READ.describe())
async def voice_settings(request: Request, principal: Annotated[Principal, Depends(KIOSK_READ)]) -> Response:
    """Speech mode and volume now, the keypad's key for each function, the screen's physical size."""
    cfg = web(request).cfg
    return json_response({"speech": _voice(request).voice.state(), "keys": cfg.kiosk.keypad.model_dump(),
                          "screen": cfg.kiosk.screen.model_dump()})


async def _screen_words(request: Request, kiosk: KioskVoice, screen: str, seconds: int | None
                        ) -> list[compose.Utterance]:
    if screen in PAGE_SCREENS:
        return compose.for_page(screen, seconds=seconds, volume=kiosk.voice.volume)
    try:
        view = await daemon(request, ops.KIOSK_VIEW)
    except ControlError:
        return compose.for_page("offline")
    view = citizen_view(view) if isinstance(view, dict) else {}
    if view.get("screen") != screen:
        view = {"screen": screen}  # a screen the page draws while the daemon works (checking)
    return compose.for_view(view, kiosk.geometry, tray_below=kiosk.tray_below)


@router.post("/voice", summary="Speak a screen, beep for a key, change the volume", response_model=None,
             responses={200: {"model": VoiceState}, **protected()}, openapi_extra=KIOSK_ACT.describe())
async def voice_act(request: Request, body: VoiceBody, principal: Annotated[Principal, Depends(KIOSK_ACT)]) -> Response:
    """Chimes sound for everyone; words only in speech mode, into the headphones."""
    kiosk = _voice(request)
    voice = kiosk.voice
    if body.action == "screen":
        name = body.screen or voice.shown
        # Outside speech mode only the chimes sound: no sentence to compose, no daemon to ask.
        voice.screen(name, await _screen_words(request, kiosk, name, body.seconds) if voice.mode else [])
    elif body.action == "say":
        voice.say(await _screen_words(request, kiosk, body.screen or voice.shown, body.seconds))
    elif body.action == "help":
        shown = await _screen_words(request, kiosk, body.screen or voice.shown, body.seconds)
        voice.start(compose.for_page("help"), shown)
    elif body.action in ("volume_up", "volume_down"):
        voice.step_volume(1 if body.action == "volume_up" else -1)
        voice.say(compose.for_page("volume", volume=voice.volume))
    elif body.action == "repeat":
        voice.repeat()
    elif body.action == "silence":
        voice.silence()
    elif body.action == "tone":
        voice.tone()
    elif body.action == "end_visit":
        voice.end_visit()
    return json_response(voice.state())
