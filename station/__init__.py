"""MPP Station: the station's daemon, its parts and its command line."""

from . import warning_policy

warning_policy.install()
