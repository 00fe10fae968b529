"""The kiosk's voice: what is said for each screen, in Indonesian then English, and the player that says it.

Speech is offline and runs on the station (espeak-ng, sox), not in the browser
(docs/adr/0300). Nothing personal is ever spoken: sentences are built from the
screen, the refusal sentence and numbers the station chose (door, seconds).
"""
