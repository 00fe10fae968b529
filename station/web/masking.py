"""What each caller may see of personal data.

Personal data lives only in a job's payload (`data`, the template fields).
Operators and above see it; viewers see names masked (`S*** N****`),
every other value hidden and no field name (issue 21); the kiosk sees at
most a masked name.
"""

from __future__ import annotations

import json
from typing import Any

from station.logs import mask_name, mask_value

_NAME_HINTS = ("nama", "name")
# The only job facts a kiosk view may carry to the citizen's screen.
_KIOSK_JOB_KEYS = frozenset({"masked_name", "state", "progress", "steps", "template", "pages", "attempts_left",
                             "wrong", "kind"})


def payload_data(payload: str | None) -> dict[str, Any]:
    """The document's field data from a job's payload (empty when absent or unreadable)."""
    if not payload:
        return {}
    try:
        document = json.loads(payload)
    except ValueError:
        return {}
    data = document.get("data") if isinstance(document, dict) else None
    return data if isinstance(data, dict) else {}


def mask_data(data: dict[str, Any]) -> dict[str, Any]:
    """Document data as a viewer sees it: no field name, a name masked, every other value hidden.

    A field's name is document text like its value (`catatan.3175046108240003`
    carries a NIK), so a viewer sees each field by its place instead:
    `name-1` for a field that holds a person's name, `field-2` for any other.
    """
    masked: dict[str, Any] = {}
    for number, (key, value) in enumerate(data.items(), 1):
        is_name = any(hint in str(key).lower() for hint in _NAME_HINTS)
        label = f"{'name' if is_name else 'field'}-{number}"
        if value is None:
            masked[label] = None
        elif is_name and isinstance(value, str):
            masked[label] = mask_name(value)
        else:
            masked[label] = "[masked]"
    return masked


def mask_event(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """An event as a viewer receives it: personal-looking fields and text masked."""
    if kind == "kiosk":
        return kiosk_safe(data)
    return mask_value(data)


def kiosk_safe(view: dict[str, Any]) -> dict[str, Any]:
    """A kiosk view with nothing personal beyond a masked name (whatever the daemon sent)."""
    safe = dict(view)
    job = view.get("job")
    if isinstance(job, dict):
        safe["job"] = {k: v for k, v in job.items() if k in _KIOSK_JOB_KEYS}
        if "masked_name" in safe["job"] and isinstance(safe["job"]["masked_name"], str):
            # Mask again: masking a masked name changes nothing, a clear one gets masked.
            safe["job"]["masked_name"] = mask_name(safe["job"]["masked_name"])
    elif job is not None:
        safe["job"] = None
    return safe
