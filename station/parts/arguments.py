"""What the parts' job commands share: the job id from a command's arguments, and the operator who asks."""

from __future__ import annotations

from station.errors import StationError
from station.runtime.roles import Actor, Role


def job_arg(args: dict) -> str:
    """The command's `job`, or a 422 that says it is missing."""
    job = args.get("job")
    if not isinstance(job, str) or not job:
        raise StationError("the command needs a job id", http_status=422)
    return job


def operator(actor: str, doing: str = "a job action") -> str:
    """The actor, who must be an operator or above for `doing`."""
    return Actor.parse(actor).require(Role.OPERATOR, doing)
