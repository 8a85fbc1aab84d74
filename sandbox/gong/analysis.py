"""What Gong derives from a call's transcript: tracker hits, talk time, questions, interaction stats.

Kept apart from the routes because ``/v2/calls/extensive`` and ``/v2/stats/interaction`` must
agree: both compute from the same seeded transcripts, never from stored numbers.
"""

from __future__ import annotations

from itertools import pairwise
from statistics import mean
from typing import Any

from sandbox.gong.seed_content import keyword_hits

Transcript = list[dict[str, Any]]
INTERACTION_STATS = [
    "Longest Monologue",
    "Longest Customer Story",
    "Interactivity",
    "Patience",
    "Question Rate",
]


def _internal_speakers(call: dict[str, Any]) -> set[str]:
    return {str(p.get("speakerId")) for p in call["parties"] if p.get("affiliation") == "Internal"}


def _span(monologue: dict[str, Any]) -> tuple[int, int]:
    sentences = monologue["sentences"]
    return int(sentences[0]["start"]), int(sentences[-1]["end"])


def trackers(
    tracker_defs: list[dict[str, Any]], transcript: Transcript, *, occurrences: bool
) -> list[dict[str, Any]]:
    """Each tracker with its count, phrases and (when asked for) occurrences in the transcript."""
    out = []
    for tracker in tracker_defs:
        keywords = [k for lk in tracker["languageKeywords"] for k in lk["keywords"]]
        found: list[tuple[str, float, str]] = []
        for monologue in transcript:
            for sentence in monologue["sentences"]:
                for keyword in keyword_hits(sentence["text"], keywords):
                    found.append((keyword, sentence["start"] / 1000, monologue["speakerId"]))
        item: dict[str, Any] = {
            "id": tracker["trackerId"],
            "name": tracker["trackerName"],
            "count": len(found),
            "type": "KEYWORD",
            "phrases": [
                {"phrase": k, "count": sum(1 for f in found if f[0] == k)}
                for k in keywords
                if any(f[0] == k for f in found)
            ],
        }
        if occurrences:
            item["occurrences"] = [{"startTime": t, "speakerId": s} for _, t, s in found]
        out.append(item)
    return out


def talk_time(transcript: Transcript) -> dict[str, float]:
    """Seconds each speaker talked."""
    out: dict[str, float] = {}
    for monologue in transcript:
        spoken = sum(s["end"] - s["start"] for s in monologue["sentences"]) / 1000
        out[monologue["speakerId"]] = round(out.get(monologue["speakerId"], 0.0) + spoken, 2)
    return out


def questions(call: dict[str, Any], transcript: Transcript) -> dict[str, int]:
    internal = _internal_speakers(call)
    asked = [
        (m["speakerId"] in internal) for m in transcript for s in m["sentences"] if s["text"].endswith("?")
    ]
    return {"companyCount": sum(asked), "nonCompanyCount": len(asked) - sum(asked)}


def _call_stats(call: dict[str, Any], transcript: Transcript, speaker: str) -> dict[str, float]:
    internal = _internal_speakers(call)
    mine = [_span(m) for m in transcript if m["speakerId"] == speaker]
    theirs = [_span(m) for m in transcript if m["speakerId"] not in internal]
    start, end = _span(transcript[0])[0], _span(transcript[-1])[1]
    seconds = float(call.get("duration") or 0) or (end - start) / 1000  # rates are per call length
    minutes = max(seconds / 60, 1 / 60)
    switches = sum(1 for a, b in pairwise(transcript) if a["speakerId"] != b["speakerId"])
    gaps = [
        (_span(b)[0] - _span(a)[1]) / 1000
        for a, b in pairwise(transcript)
        if a["speakerId"] not in internal and b["speakerId"] == speaker
    ]
    asked = sum(
        1 for m in transcript if m["speakerId"] == speaker for s in m["sentences"] if s["text"].endswith("?")
    )
    return {
        "Longest Monologue": max(((e - s) / 1000 for s, e in mine), default=0.0),
        "Longest Customer Story": max(((e - s) / 1000 for s, e in theirs), default=0.0),
        "Interactivity": switches / minutes,
        "Patience": mean(gaps) if gaps else 0.0,
        "Question Rate": asked / minutes * 60,
    }


def interaction_stats(
    calls: list[tuple[dict[str, Any], Transcript]], user_id: str
) -> list[dict[str, Any]] | None:
    """A person's interaction stats over calls where they spoke; None when they spoke on none.

    Monologue lengths are maxima over the calls; the rates are means.
    """
    per_call = []
    for call, transcript in calls:
        speaker = next((str(p["speakerId"]) for p in call["parties"] if p.get("userId") == user_id), None)
        if speaker and transcript and any(m["speakerId"] == speaker for m in transcript):
            per_call.append(_call_stats(call, transcript, speaker))
    if not per_call:
        return None
    combine = {"Longest Monologue": max, "Longest Customer Story": max}
    return [
        {"name": name, "value": round(combine.get(name, mean)([s[name] for s in per_call]), 2)}
        for name in INTERACTION_STATS
    ]
