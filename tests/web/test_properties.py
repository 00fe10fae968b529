"""Property tests: masking never leaks, SSE frames parse back, the job pages agree."""

from __future__ import annotations

import json
import string

from hypothesis import given
from hypothesis import strategies as st

from station.events import Event
from station.web.masking import kiosk_safe, mask_data, payload_data
from station.web.relay import sse_frame

values = st.text(min_size=1, max_size=40)
keys = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=20)


@given(st.dictionaries(keys, values, max_size=8))
def test_a_viewer_never_sees_a_value_or_a_field_name_unless_it_is_a_masked_name(data: dict[str, str]) -> None:
    masked = mask_data(data)
    # (issue 21) Fields go by their place: a field's name is document text like its value.
    assert list(masked) == [f"{'name' if ('nama' in k or 'name' in k) else 'field'}-{n}"
                            for n, k in enumerate(data, 1)]
    for (key, original), value in zip(data.items(), masked.values()):
        if "nama" in key or "name" in key:
            words = original.split()
            assert value.split() == [w[:1] + "*" * (len(w) - 1) for w in words]
        else:
            assert value == "[masked]"


@given(st.dictionaries(st.text(max_size=12), st.one_of(st.none(), st.integers(), values,
                                                        st.dictionaries(st.text(max_size=8), values, max_size=4)),
                       max_size=10))
def test_a_kiosk_view_keeps_only_screen_facts(job: dict) -> None:
    view = kiosk_safe({"screen": "opening", "job": job})
    assert set(view["job"]) <= {"masked_name", "state", "progress", "steps", "template", "pages", "attempts_left",
                                "wrong"}
    if isinstance(job.get("masked_name"), str):
        assert all(set(word[1:]) <= {"*"} for word in view["job"]["masked_name"].split())


@given(st.text(max_size=200))
def test_any_payload_gives_a_data_map(payload: str) -> None:
    assert isinstance(payload_data(payload), dict)


def _parse_sse(raw: bytes) -> list[tuple[str, str, dict]]:
    """A strict reader of the frames, as a browser reads them."""
    frames = []
    for block in raw.decode().split("\n\n"):
        if not block:
            continue
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            assert name in ("id", "event", "data") and name not in fields
            fields[name] = value
        frames.append((fields["id"], fields["event"], json.loads(fields["data"])))
    return frames


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                           max_leaves=10)


@given(st.integers(min_value=0), st.sampled_from(["job", "slot", "kiosk", "alarm"]),
       st.dictionaries(st.text(), json_values, max_size=5))
def test_sse_frames_parse_back_whatever_the_data(ident: int, kind: str, data: dict) -> None:
    event = Event(ident, kind, data, at=1.5)
    [(got_id, got_kind, body)] = _parse_sse(sse_frame(event, data))
    assert (int(got_id), got_kind, body) == (ident, kind, {"kind": kind, "data": data,
                                                           "at": "1970-01-01T00:00:01.500Z"})


def test_the_fast_job_summary_is_job_summary(station) -> None:
    from spool.jobs import list_jobs
    from station.web.views import job_summary

    for job in list_jobs(station.conn()):
        assert job_summary(job) == job.summary()


def test_the_job_page_sqlite_builds_is_the_job_summaries(station) -> None:
    from spool.jobs import list_jobs
    from station.web.views import job_page_json, job_summary

    conn = station.conn()
    for limit, states, before in ((50, None, None), (2, None, None), (2, ["held", "staged"], None), (3, None, 3)):
        page = json.loads(job_page_json(conn, states=states, limit=limit, before=before))
        expected = list_jobs(conn, states=states, limit=limit, before_seq=before)
        assert page["jobs"] == [job_summary(job) for job in expected]
        assert page["next_before"] == (expected[-1].seq if len(expected) == limit else None)
