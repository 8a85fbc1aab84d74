"""Activity, interaction and scorecard statistics (read-only POSTs, despite some tool titles)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from worker.operations.base import (
    GongDate,
    GongDateTime,
    GongId,
    GongRecord,
    OperationKind,
    PagedResult,
    Payload,
    operation,
)


class ActivityStatsPayload(Payload):
    """Gong's stats filter: plain dates in the company's time zone, ``from`` inclusive, ``to``
    exclusive."""

    from_date: GongDate = Field(alias="filter__fromDate")
    to_date: GongDate = Field(alias="filter__toDate")
    user_ids: tuple[GongId, ...] | None = Field(default=None, alias="filter__userIds", min_length=1)
    created_from_date_time: GongDateTime | None = Field(default=None, alias="filter__createdFromDateTime")
    created_to_date_time: GongDateTime | None = Field(default=None, alias="filter__createdToDateTime")
    cursor: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.from_date >= self.to_date:
            raise ValueError("filter__fromDate must be before filter__toDate")
        return self


class ActivityByPeriodPayload(ActivityStatsPayload):
    aggregation_period: str = Field(alias="aggregationPeriod", pattern="^(DAY|WEEK|MONTH|QUARTER|YEAR)$")


class UserStats(GongRecord):
    user_id: str = Field(alias="userId")
    user_email_address: str | None = Field(default=None, alias="userEmailAddress")


class AggregateActivityResult(PagedResult):
    users: list[UserStats] = Field(alias="usersAggregateActivityStats")


class ActivityByPeriodResult(PagedResult):
    users: list[UserStats] = Field(alias="usersAggregateActivity")


class DayByDayActivityResult(PagedResult):
    users: list[UserStats] = Field(alias="usersDetailedActivities")


class InteractionStatsResult(PagedResult):
    people: list[UserStats] = Field(alias="peopleInteractionStats")


class ScorecardStatsPayload(Payload):
    call_from_date: GongDate | None = Field(default=None, alias="filter__callFromDate")
    call_to_date: GongDate | None = Field(default=None, alias="filter__callToDate")
    review_from_date: GongDate | None = Field(default=None, alias="filter__reviewFromDate")
    review_to_date: GongDate | None = Field(default=None, alias="filter__reviewToDate")
    reviewed_user_ids: tuple[GongId, ...] | None = Field(default=None, alias="filter__reviewedUserIds")
    scorecard_ids: tuple[GongId, ...] | None = Field(default=None, alias="filter__scorecardIds")
    review_method: str | None = Field(
        default=None, alias="filter__reviewMethod", pattern="^(MANUAL|AUTOMATIC|BOTH)$"
    )
    cursor: str | None = None


class AnsweredScorecard(GongRecord):
    scorecard_id: int | str = Field(alias="scorecardId")
    call_id: int | str = Field(alias="callId")


class ScorecardStatsResult(PagedResult):
    answered_scorecards: list[AnsweredScorecard] = Field(alias="answeredScorecards")


R = OperationKind.READ

OPERATIONS = (
    operation(
        "aggregate_activity",
        "GONG_AGGREGATE_USER_ACTIVITY_STATISTICS",
        ActivityStatsPayload,
        AggregateActivityResult,
        R,
        "Activity statistics per user over a date range (calls hosted, attended, feedback...).",
        empty_list="users",
    ),
    operation(
        "aggregate_activity_by_period",
        "GONG_AGGREGATE_ACTIVITY_BY_PERIOD_VIA_API",
        ActivityByPeriodPayload,
        ActivityByPeriodResult,
        R,
        "Activity statistics per user per day, week, month, quarter or year.",
        empty_list="users",
    ),
    operation(
        "day_by_day_activity",
        "GONG_POST_DAY_BY_DAY_ACTIVITY_STATS",
        ActivityStatsPayload,
        DayByDayActivityResult,
        R,
        "Daily activity per user, with the call ids behind each count.",
        empty_list="users",
    ),
    operation(
        "interaction_stats",
        "GONG_POST_INTERACTION_FILTER_STATS",
        ActivityStatsPayload,
        InteractionStatsResult,
        R,
        "Interaction statistics per user (monologues, interactivity, patience, questions).",
        empty_list="people",
    ),
    operation(
        "scorecard_stats",
        "GONG_CREATE_ACTIVITY_SCORECARDS_REPORT",
        ScorecardStatsPayload,
        ScorecardStatsResult,
        R,
        "Answered scorecards by call date, review date, reviewed user or scorecard.",
        empty_list="answered_scorecards",
    ),
)
