"""The household profile: the contract's facts, typed.

An absent fact is unknown, and the engine must never guess it, so every field defaults to
None and `known()` reports only what the resident actually told us.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Money = Annotated[int, Field(ge=0, le=10**13)]

CrisisEvent = Literal[
    "main_earner_loss",
    "serious_illness",
    "neglect_abuse",
    "domestic_violence",
    "fire_disaster",
    "business_closure",
    "job_loss",
    "utilities_cut",
    "eviction",
    "homeless",
    "divorce",
]

BenefitId = Literal[
    "livelihood_benefit",
    "medical_benefit",
    "housing_benefit",
    "education_benefit",
    "near_poverty",
    "emergency_welfare",
    "basic_pension",
    "child_allowance",
    "parental_benefit",
    "first_meeting_voucher",
    "single_parent_support",
    "employment_support",
    "disability_pension",
    "youth_rent_support",
    "energy_voucher",
    "elderly_care",
]

BENEFIT_IDS: tuple[str, ...] = BenefitId.__args__  # type: ignore[attr-defined]
CRISIS_EVENTS: tuple[str, ...] = CrisisEvent.__args__  # type: ignore[attr-defined]


class Profile(BaseModel):
    """What we know about one household. Field names are the contract's fact names."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    date: dt.date | None = None
    age: Annotated[int, Field(ge=0, le=130)] | None = None
    household_size: Annotated[int, Field(ge=1, le=30)] | None = None
    spouse: bool | None = None
    children_age_months: list[Annotated[int, Field(ge=0, le=600)]] | None = None
    earned_income: Money | None = None
    other_income: Money | None = None
    property: Money | None = None
    financial_assets: Money | None = None
    debt: Money | None = None
    car_value: Money | None = None
    region: str | None = None
    disability: Literal["none", "mild", "severe"] | None = None
    single_parent: bool | None = None
    crisis_events: list[CrisisEvent] | None = None
    job_seeking: bool | None = None
    housing: Literal["owner", "jeonse", "monthly_rent", "homeless"] | None = None
    monthly_rent: Money | None = None
    current_benefits: list[BenefitId] | None = None
    long_term_care_grade: bool | None = None
    support_obligor: Literal["none", "able", "unable"] | None = None
    # Not in the first contract; added for 청년월세 특별지원's 원가구 소득 condition.
    parents_low_income: bool | None = None

    @field_validator("age", "household_size", mode="before")
    @classmethod
    def _no_fractional_people(cls, value: object) -> object:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("must be a whole number")
        return value

    @field_validator("region")
    @classmethod
    def _region_is_text(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty")
        return value

    def known(self) -> dict[str, object]:
        """The facts that were given (the evaluation date is not a fact)."""
        return {
            name: value
            for name, value in self.__dict__.items()
            if value is not None and name != "date"
        }


FACT_NAMES: tuple[str, ...] = tuple(name for name in Profile.model_fields if name != "date")
