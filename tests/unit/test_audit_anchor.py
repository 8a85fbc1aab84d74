"""Audit anchors: one copyable string that round-trips, and a clear refusal of anything else."""

from __future__ import annotations

import pytest

from worker.audit import Anchor, ChainCheck, InvalidAnchor, event_hash, legacy_event_hash


def test_an_anchor_round_trips_through_its_text() -> None:
    anchor = Anchor(42, "1733140000000-3", "ab" * 32)
    assert str(anchor) == f"gongq-anchor:v1:42:1733140000000-3:{'ab' * 32}"
    assert Anchor.parse(f"  {anchor}\n") == anchor


@pytest.mark.parametrize(
    "text",
    [
        "",
        "gongq-anchor:v1:0:1-0:" + "0" * 64,  # position 0 names no event
        "gongq-anchor:v2:1:1-0:" + "0" * 64,
        "gongq-anchor:v1:1:1:" + "0" * 64,
        "gongq-anchor:v1:1:1-0:" + "0" * 63,
        "1:" + "0" * 64,  # a head value is not an anchor
    ],
)
def test_anything_else_is_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(InvalidAnchor, match="gongq-anchor:v1:<count>:<stream id>:<hash>"):
        Anchor.parse(text)


def test_event_hashes_depend_on_the_key() -> None:
    fields = {"task_id": "t1", "event": "dead", "at": "1.0"}
    assert event_hash("k1", "0" * 64, fields) != event_hash("k2", "0" * 64, fields)
    assert event_hash("k1", "0" * 64, fields) != legacy_event_hash("0" * 64, fields)


def test_a_check_says_what_it_could_not_detect() -> None:
    assert ChainCheck(True, 0).undetectable == [
        "the newest events deleted together with the head rolled back to the last event kept",
        "the whole stream deleted together with its head",
    ]
    anchored = ChainCheck(True, 9, anchor=Anchor(6, "1-0", "0" * 64))
    assert anchored.undetectable == [
        "events after event 6 (the anchor) deleted together with the head rolled back "
        "(anchor again, more often)"
    ]
    assert anchored.to_json()["undetectable"] == anchored.undetectable
