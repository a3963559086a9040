"""Auditor endpoints: the legal-reference index, the targets and the tasks tables (JSON, or CSV for spreadsheets)."""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from assistant.api import auditor_models as am
from assistant.api.deps import EngineDep
from assistant.engine import Engine
from assistant.errors import BadRequest, NotFound
from assistant.text.fold import fold

router = APIRouter()
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); a plain number is safe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def _same(value: str | None, wanted: str) -> bool:
    """Filter values typed loosely: case and diacritics ignored, "chính quyền điện tử" for "chính quyền điện tử/số"."""
    have, want = " ".join(fold(value or "").split()), " ".join(fold(wanted).split())
    return bool(want) and (have == want or have.split("/")[0].strip() == want)


def _known_doc(engine: Engine, doc: str | None) -> None:
    if doc and doc not in engine.index.documents:
        raise BadRequest(f"Không có tài liệu {doc!r}.",
                         hint=f"Unknown document {doc!r}; GET /api/documents lists the document ids.")


def csv_cell(value: object) -> object:
    """A cell no spreadsheet runs: text starting with = + - @ (or tab, CR) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


@router.get("/api/legal-refs", response_model=am.LegalRefsResponse, tags=["auditor"])
async def legal_refs(
    engine: EngineDep,
    doc: Annotated[str | None, Query(max_length=500, description="Only this document")] = None,
    cites: Annotated[str | None, Query(max_length=200, description="Plans citing this instrument, typed loosely "
                                                                 "(\"NĐ 61/2018\", \"TCVN ISO 9001\")")] = None,
    type: Annotated[str | None, Query(max_length=50, description="Only this type, e.g. Nghị định")] = None,
) -> am.LegalRefsResponse:
    """Legal instruments the plans cite (with exact mentions), citation counts and inconsistencies."""
    _known_doc(engine, doc)
    index = engine.answerer.references
    rows = [r.to_dict() for r in index.cited_by(cites)] if cites and cites.strip() else index.to_rows()
    rows = [r for r in rows if (not doc or r["source"] == doc) and (not type or r["type"] == type)]
    return am.LegalRefsResponse(rows=rows, counts=index.counts(), inconsistencies=index.inconsistencies())


@router.get("/api/targets", response_model=am.TargetsResponse, tags=["auditor"],
            responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}})
async def targets(
    engine: EngineDep,
    doc: Annotated[str | None, Query(max_length=500, description="Only this document")] = None,
    area: Annotated[str | None, Query(max_length=50, description="Reform area, e.g. TTHC")] = None,
    province: Annotated[str | None, Query(max_length=100)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200, description="Targets for this year or a period "
                                                                     "including it")] = None,
    format: Literal["json", "csv"] = "json",
) -> am.TargetsResponse | Response:
    """Quantitative targets of the plans (percentages, counts, amounts, deadlines) with exact spans."""
    _known_doc(engine, doc)
    table = engine.answerer.targets
    rows = [t.to_dict() for t in table
            if (not doc or t.source == doc) and (not area or _same(t.area, area))
            and (not province or _same(t.province, province)) and (year is None or year in range(*_year_range(t.year)))]
    if format == "csv":
        return _csv(rows, list(am.TargetOut.model_fields), "chi-tieu.csv")
    years = sorted({y for t in table for y in range(*_year_range(t.year))})
    return am.TargetsResponse(targets=rows, areas=sorted({t.area for t in table if t.area}),
                              provinces=sorted({t.province for t in table if t.province}), years=years)


@router.get("/api/tasks", response_model=am.TasksResponse, tags=["auditor"],
            responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}})
def tasks(
    engine: EngineDep,
    doc: Annotated[str | None, Query(max_length=500, description="Only this document")] = None,
    unit: Annotated[str | None, Query(max_length=200, description="Tasks this unit leads or coordinates, "
                                                                  "typed loosely: \"so noi vu\"")] = None,
    format: Literal["json", "csv"] = "json",
) -> am.TasksResponse | Response:
    """Tasks the plans assign (content, lead unit, coordinating units, deadline, product) with exact spans."""
    # A plain function: FastAPI runs it in a worker thread, so the first call's extraction does not stall
    # the event loop.
    if doc and doc not in engine.index.documents:
        raise NotFound(f"Không có tài liệu {doc!r}.",
                       hint=f"Unknown document {doc!r}; GET /api/documents lists the document ids.")
    table = engine.tasks
    wanted = _unit_pattern(unit)
    rows = [{**t.to_dict(), "text": engine.index.documents[t.source].text[t.start:t.end]} for t in table
            if (not doc or t.source == doc)
            and (wanted is None or wanted.search(fold(f"{t.lead or ''} | {t.partners or ''}")))]
    if format == "csv":
        return _csv(rows, list(am.TaskOut.model_fields), "nhiem-vu.csv")
    return am.TasksResponse(tasks=rows, units=sorted({t.lead for t in table if t.lead}, key=fold))


def _unit_pattern(unit: str | None) -> re.Pattern[str] | None:
    """The folded name as whole words: "so  noi vu" is in "Sở Nội vụ; Sở Y tế", "sở tc" not in "Sở TCCB"."""
    words = fold(unit or "").split()
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")


def _csv(rows: list[dict], fields: list[str], filename: str) -> Response:
    """Rows as a CSV download, every cell neutralised for spreadsheets."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields)
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    # A BOM so spreadsheet programs read the Vietnamese text as UTF-8.
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _year_range(period: str | None) -> tuple[int, int]:
    """Years a target's year ("2023") or period ("2025-2030") covers, as range() bounds."""
    bounds = [int(y) for y in (period or "").split("-") if y.isdigit()]
    return (bounds[0], bounds[-1] + 1) if bounds else (0, 0)
