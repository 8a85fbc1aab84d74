"""User activity, interaction and scorecard statistics, computed from the seeded records.

Every number is derived on request from calls, parties, transcripts, answered scorecards and the
activity log (listens, comments, feedback, shares) inside the requested dates, so a call erased
or added changes the stats as it would in Gong. The company's time zone is UTC; ``fromDate`` is
inclusive, ``toDate`` exclusive. Only users with activity appear; none at all is a 404.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request

from sandbox.gong import analysis
from sandbox.gong.errors import GongError, ok
from sandbox.gong.http import (
    body_cursor,
    date_range,
    filter_object,
    json_body,
    json_object,
    one_of,
    paginate,
    parse_datetime,
    require,
    string_list,
)
from sandbox.gong.state import GongState

TIME_ZONE = "UTC"
PERIODS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}
REVIEW_METHODS = {"MANUAL", "AUTOMATIC", "BOTH"}
COUNTERS = [
    "callsAsHost", "callsAttended", "callsGaveFeedback", "callsReceivedFeedback", "callsRequestedFeedback",
    "callsScorecardsFilled", "callsScorecardsReceived", "callsSharedInternally", "callsSharedExternally",
    "callsCommentsGiven", "callsCommentsReceived", "callsMarkedAsFeedbackGiven",
    "callsMarkedAsFeedbackReceived", "ownCallsListenedTo", "othersCallsListenedTo",
]  # fmt: skip
#: activity kind -> (counter of the actor, counter of the host it concerned)
_ACTIVITY: dict[str, tuple[str, str | None]] = {
    "feedback": ("callsGaveFeedback", "callsReceivedFeedback"),
    "feedbackRequested": ("callsRequestedFeedback", None),
    "comment": ("callsCommentsGiven", "callsCommentsReceived"),
    "markedFeedback": ("callsMarkedAsFeedbackGiven", "callsMarkedAsFeedbackReceived"),
    "shareInternal": ("callsSharedInternally", None),
    "shareExternal": ("callsSharedExternally", None),
}
Fact = tuple[str, str, date, str]  # (userId, counter, day, callId)


def _day(value: str) -> date:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).date()


def _facts(state: GongState) -> Iterator[Fact]:
    """Every (user, counter, day, call) the counters are made of."""
    visible = {c["id"]: c for c in state.visible_calls()}
    for call in visible.values():
        day = _day(str(call["started"]))
        yield str(call["primaryUserId"]), "callsAsHost", day, call["id"]
        for party in call["parties"]:
            if party.get("userId") and party.get("affiliation") == "Internal":
                yield str(party["userId"]), "callsAttended", day, call["id"]
    for event in state.activity:
        if event["callId"] not in visible:
            continue
        day = _day(event["time"])
        if event["kind"] == "listen":
            own = event["userId"] == event["targetUserId"]
            yield (
                event["userId"],
                "ownCallsListenedTo" if own else "othersCallsListenedTo",
                day,
                event["callId"],
            )
            continue
        actor, target = _ACTIVITY[event["kind"]]
        yield event["userId"], actor, day, event["callId"]
        if target:
            yield event["targetUserId"], target, day, event["callId"]
    for card in state.answered_scorecards:
        call_id, day = str(card["callId"]), _day(card["reviewTime"])
        if call_id in visible:
            if card["reviewerUserId"] is not None:
                yield str(card["reviewerUserId"]), "callsScorecardsFilled", day, call_id
            yield str(card["reviewedUserId"]), "callsScorecardsReceived", day, call_id


class Query:
    """A validated stats request: dates, the users it covers and the cursor."""

    def __init__(self, state: GongState, body: dict[str, Any]) -> None:
        filt = filter_object(body)
        first, last = date_range(filt, "fromDate", "toDate", required=True)
        if first is None or last is None:  # date_range(required=True) has already refused this
            raise GongError(400, "filter.fromDate and filter.toDate are required")
        self.first, self.last = first, last
        ids = string_list(filt.get("userIds"), "filter.userIds")
        unknown = [u for u in ids or [] if state.user(u) is None]
        if unknown:
            raise GongError(404, f"User(s) not found: {', '.join(unknown)}")
        created_from = filt.get("createdFromDateTime")
        created_to = filt.get("createdToDateTime")
        low = parse_datetime(created_from, "filter.createdFromDateTime") if created_from is not None else None
        high = parse_datetime(created_to, "filter.createdToDateTime") if created_to is not None else None
        self.users = [
            u for u in state.users
            if (ids is None or u["id"] in ids)
            and (low is None or parse_datetime(u["created"], "created") >= low)
            and (high is None or parse_datetime(u["created"], "created") < high)
        ]  # fmt: skip
        self.cursor = body_cursor(body)

    def facts(self, state: GongState) -> dict[str, list[tuple[str, date, str]]]:
        """userId -> (counter, day, callId) inside the range, for the users asked about."""
        wanted = {u["id"] for u in self.users}
        out: dict[str, list[tuple[str, date, str]]] = defaultdict(list)
        for user_id, counter, day, call_id in _facts(state):
            if user_id in wanted and self.first <= day < self.last:
                out[user_id].append((counter, day, call_id))
        return out

    def envelope(self) -> dict[str, Any]:
        return {
            "timeZone": TIME_ZONE,
            "fromDateTime": f"{self.first.isoformat()}T00:00:00Z",
            "toDateTime": f"{self.last.isoformat()}T00:00:00Z",
        }


def _counts(facts: list[tuple[str, date, str]], first: date, last: date) -> dict[str, list[str]]:
    calls: dict[str, list[str]] = {c: [] for c in COUNTERS}
    for counter, day, call_id in facts:
        if first <= day < last and call_id not in calls[counter]:
            calls[counter].append(call_id)
    return calls


def _period_start(day: date, period: str) -> date:
    if period == "WEEK":
        return day - timedelta(days=day.weekday())  # weeks start on Monday
    if period == "MONTH":
        return day.replace(day=1)
    if period == "QUARTER":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    if period == "YEAR":
        return day.replace(month=1, day=1)
    return day


def _next_start(start: date, period: str) -> date:
    months = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}.get(period)
    if months is None:
        return start + timedelta(days=7 if period == "WEEK" else 1)
    month = start.month - 1 + months
    return start.replace(year=start.year + month // 12, month=month % 12 + 1, day=1)


def periods(first: date, last: date, period: str) -> list[tuple[date, date]]:
    """Calendar periods covering [first, last), clipped to it (toDate exclusive)."""
    out = []
    start = _period_start(first, period)
    while start < last:
        end = _next_start(start, period)
        out.append((max(start, first), min(end, last)))
        start = end
    return out


def _per_user(query: Query, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if not items:
        raise GongError(404, "No user activity found for the specified filter")
    return paginate(items, query.cursor)


def register(router: APIRouter, state: GongState) -> None:
    def identity(user: dict[str, Any]) -> dict[str, Any]:
        return {"userId": user["id"], "userEmailAddress": user["emailAddress"]}

    @router.post("/v2/stats/activity/aggregate")
    async def aggregate(request: Request) -> dict[str, Any]:
        query = Query(state, json_object(await json_body(request)))
        facts = query.facts(state)
        items = [
            {**identity(u), "userAggregateActivityStats": {
                k: len(v) for k, v in _counts(facts[u["id"]], query.first, query.last).items()}}
            for u in query.users if facts.get(u["id"])
        ]  # fmt: skip
        page, records = _per_user(query, items)
        return ok({"records": records, **query.envelope(), "usersAggregateActivityStats": page})

    @router.post("/v2/stats/activity/aggregate-by-period")
    async def aggregate_by_period(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        require(body, "aggregationPeriod")
        period = one_of(body["aggregationPeriod"], "aggregationPeriod", PERIODS)
        query = Query(state, body)
        facts = query.facts(state)
        spans = periods(query.first, query.last, period)
        items = [
            {**identity(u), "userAggregateActivity": [
                {"fromDate": a.isoformat(), "toDate": b.isoformat(),
                 **{k: len(v) for k, v in _counts(facts[u["id"]], a, b).items()}} for a, b in spans]}
            for u in query.users if facts.get(u["id"])
        ]  # fmt: skip
        page, records = _per_user(query, items)
        return ok({"records": records, "usersAggregateActivity": page})

    @router.post("/v2/stats/activity/day-by-day")
    async def day_by_day(request: Request) -> dict[str, Any]:
        query = Query(state, json_object(await json_body(request)))
        facts = query.facts(state)
        days = periods(query.first, query.last, "DAY")
        items = [
            {**identity(u), "userDailyActivityStats": [
                {"fromDate": a.isoformat(), "toDate": b.isoformat(), **_counts(facts[u["id"]], a, b)}
                for a, b in days]}
            for u in query.users if facts.get(u["id"])
        ]  # fmt: skip
        page, records = _per_user(query, items)
        return ok({"records": records, "usersDetailedActivities": page})

    @router.post("/v2/stats/interaction")
    async def interaction(request: Request) -> dict[str, Any]:
        query = Query(state, json_object(await json_body(request)))
        calls = [
            (c, state.transcripts.get(c["id"], []))
            for c in state.visible_calls()
            if query.first <= _day(str(c["started"])) < query.last
        ]
        items = [
            {**identity(u), "personInteractionStats": stats}
            for u in query.users
            if (stats := analysis.interaction_stats(calls, u["id"]))
        ]
        page, records = _per_user(query, items)
        return ok({"records": records, **query.envelope(), "peopleInteractionStats": page})

    @router.post("/v2/stats/activity/scorecards")
    async def scorecards(request: Request) -> dict[str, Any]:
        body = json_object(await json_body(request))
        filt = filter_object(body)
        call_from, call_to = date_range(filt, "callFromDate", "callToDate", required=False)
        review_from, review_to = date_range(filt, "reviewFromDate", "reviewToDate", required=False)
        reviewed = string_list(filt.get("reviewedUserIds"), "filter.reviewedUserIds")
        cards = string_list(filt.get("scorecardIds"), "filter.scorecardIds")
        method = one_of(filt.get("reviewMethod", "MANUAL"), "filter.reviewMethod", REVIEW_METHODS)
        visible = {c["id"] for c in state.visible_calls()}

        def wanted(card: dict[str, Any]) -> bool:
            call_day, review_day = _day(card["callStartTime"]), _day(card["reviewTime"])
            return (
                str(card["callId"]) in visible
                and (method == "BOTH" or card["reviewMethod"] == method)
                and (reviewed is None or str(card["reviewedUserId"]) in reviewed)
                and (cards is None or str(card["scorecardId"]) in cards)
                and (call_from is None or call_day >= call_from)
                and (call_to is None or call_day < call_to)
                and (review_from is None or review_day >= review_from)
                and (review_to is None or review_day < review_to)
            )

        found = [c for c in state.answered_scorecards if wanted(c)]
        if not found:
            raise GongError(404, "No answered scorecards found for the specified filter")
        page, records = paginate(found, body_cursor(body))
        return ok({"records": records, "answeredScorecards": page})
