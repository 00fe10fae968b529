"""Times for people: the station's local time with its zone, WIB, WITA or WIT (docs/adr/0331)."""

from .people import ZONES, for_people, zone_abbreviation

__all__ = ["ZONES", "for_people", "zone_abbreviation"]
