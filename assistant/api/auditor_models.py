"""Response models of the auditor endpoints: the legal-reference index, the targets and the tasks tables."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, JsonValue


class LegalMentionOut(BaseModel):
    """One place an instrument is cited: `text` is exactly the document text from `start` to `end`."""

    start: int
    end: int
    text: str


class LegalRefOut(BaseModel):
    """One cited instrument in one plan."""

    source: str
    type: str
    number: str
    issuer: str | None = None
    date: str | None = None
    own: bool = Field(description="The plan's own number, not a citation")
    mentions: list[LegalMentionOut]


class LegalRefsResponse(BaseModel):
    """References (filtered), plans per cited instrument, and instruments cited inconsistently."""

    rows: list[LegalRefOut]
    counts: dict[str, dict[str, JsonValue]]
    inconsistencies: list[dict[str, JsonValue]]


class TargetOut(BaseModel):
    """A quantitative target: `text` is exactly the document text from `start` to `end` (the value)."""

    source: str
    kind: Literal["percent", "count", "amount", "date"]
    value: str
    number: float | None = None
    unit: str | None = None
    subject: str
    comparator: str | None = None
    area: str | None = None
    year: str | None = None
    issuer: str | None = None
    province: str | None = None
    section: str
    start: int
    end: int
    text: str
    statement_start: int
    statement_end: int
    statement: str


class TargetsResponse(BaseModel):
    """Targets (filtered) and the filter values available."""

    targets: list[TargetOut]
    areas: list[str]
    provinces: list[str]
    years: list[int]


class TaskOut(BaseModel):
    """A task a plan assigns: `text` is exactly the document text from `start` to `end` (as written)."""

    source: str
    kind: Literal["table", "prose"] = Field(description="From a task table (a row) or from prose")
    content: str = Field(description="What is to be done, in the readable (restored) wording")
    lead: str | None = Field(None, description="The unit in charge (chủ trì)")
    partners: str | None = Field(None, description="Coordinating units (phối hợp)")
    deadline: str | None = Field(None, description="As written: \"Thường xuyên\", \"Quý II/2025\"")
    product: str | None = Field(None, description="The deliverable (sản phẩm), when stated")
    section: str
    start: int
    end: int
    text: str


class TasksResponse(BaseModel):
    """Tasks (filtered) and the lead units of all tasks, to suggest in the unit filter."""

    tasks: list[TaskOut]
    units: list[str]
