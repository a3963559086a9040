"""The tasks a plan assigns (nhiệm vụ): content, lead unit, coordinating units, deadline, product, spans.

Tasks come from task tables (appendices: a row a task, columns known by their header words; `task_rows`) and
from prose that assigns work to units (`task_prose`): items under a unit's heading ("1. Công an tỉnh" / "- Chủ
trì, phối hợp ..."), statements whose subject is a unit ("Giao Văn phòng Sở chủ trì, phối hợp với ..."), items
under labelled fields ("Đơn vị thực hiện: ...", "Thời gian thực hiện: ..."), assignments in parentheses.
All is read in the document's readable reading (restored OCR, clean view of marked-up text) and mapped
back, so `document.text[start:end]` is the task's text as the file has it; fields are in the readable wording.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from assistant.restore.restorer import Restoration
from assistant.tables.task_prose import View, prose_tasks
from assistant.tables.task_rows import Row, find_tables
from assistant.types import Document

__all__ = ["Task", "extract_tasks", "tasks_table"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    """One assigned task: `document.text[start:end]` is its text as written (a table cell or a prose item)."""

    source: str
    start: int
    end: int
    content: str  # what is to be done, in the readable (restored / clean) wording
    lead: str | None  # the unit in charge (chủ trì / thực hiện)
    partners: str | None  # coordinating units (phối hợp)
    deadline: str | None  # as written: "Thường xuyên", "Quý II/2025", "trước ngày 15/12/2025"
    product: str | None  # the deliverable (sản phẩm), when stated
    section: str  # "PHỤ LỤC > II. Cải cách thủ tục hành chính", "IV. TỔ CHỨC THỰC HIỆN > 1. Sở Tài chính"
    kind: str  # "table" or "prose"

    def to_dict(self) -> dict:
        """Plain dict for CSV/JSON."""
        return dict(self.__dict__)


def extract_tasks(document: Document, reading: Restoration | None) -> list[Task]:
    """Every task a document assigns, in text order; `reading` is the document's second reading, if any."""
    view = View(document, reading)
    rows, covered = find_tables(view.text)
    tasks = [t for t in (_table_task(view, row) for row in rows) if t is not None]
    tasks += [Task(document.source, kind="prose", **fields) for fields in prose_tasks(view, covered)]
    tasks.sort(key=lambda t: (t.start, t.end))
    log.debug("%s: %d tasks (%d table rows)", document.source, len(tasks), len(rows))
    return tasks


def tasks_table(index) -> list[Task]:
    """Tasks of every indexed document (engine.index, or anything with .documents and .restorations)."""
    out: list[Task] = []
    restorations = getattr(index, "restorations", {}) or {}
    for source in sorted(index.documents):
        out.extend(extract_tasks(index.documents[source], restorations.get(source)))
    return out


def _table_task(view: View, row: Row) -> Task | None:
    start, end = view.original(*row.cells["content"][:2])
    if end <= start:
        return None
    values = {k: " ".join(text.split()).strip(" ,;|") or None for k, (_, _, text) in row.cells.items()}
    titles = [view.title(s) for s in view.path(view.original(row.table_start, row.table_start + 1)[0])]
    section = " > ".join([*titles, *([row.group] if row.group else [])])
    return Task(view.doc.source, start, end, values["content"] or "", values.get("lead"),
                values.get("partners"), values.get("deadline"), values.get("product"), section, "table")
