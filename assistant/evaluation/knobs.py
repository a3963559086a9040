"""The answer stage's thresholds and weights as a grid, and a harness answering the questions under any setting.

The knobs are module constants read at call time (MIN_SUPPORT also the answerer's own `min_support`), so a setting is
applied by assignment on the modules, as a test harness would; `calibrate` fits them. Three shortcuts keep the grid
fast and exact: retrieval is cached (no knob changes it); a change of thresholds alone is replayed on the recorded
support decisions; and a question whose answering never read a knob keeps its figures when only that knob changes
(the other knobs are set as traced numbers that note every use).
"""

from __future__ import annotations

import functools
import importlib
import itertools
import logging
import pkgutil
import sys
import time
from collections.abc import Mapping, Sequence
from types import ModuleType

import numpy as np

import assistant.answer
from assistant.engine import Engine, texts_of
from assistant.evaluation import runner
from assistant.search.crosslingual import to_vietnamese
from assistant.search.query import analyse

log = logging.getLogger(__name__)

# The knobs and the values tried (the current constants are added where they are not among them).
GRID: dict[str, tuple[float, ...]] = {
    "CONTEXT_WEIGHT": (0.0, 0.15, 0.3, 0.5),
    "KIND_WEIGHT": (0.2, 0.35, 0.5),
    "RANK_WEIGHT": (0.05, 0.15, 0.3),
    "TARGET_BONUS": (0.0, 0.05, 0.1, 0.2),
    "TITLE_WEIGHT": (0.1, 0.3, 0.6, 1.0),
    "PER_DOCUMENT_PASSAGES": (2, 3, 4),
    "TITLE_PREFERENCE": (0.6, 0.8, 1.0),
    "MIN_SUPPORT": tuple(round(0.25 + 0.05 * i, 2) for i in range(9)),
    "VALUE_SUPPORT": tuple(round(0.1 + 0.05 * i, 2) for i in range(13)),
}
# Read only by Answerer._supported: a change of these alone is replayed on the recorded decisions, not re-run.
THRESHOLDS = ("MIN_SUPPORT", "VALUE_SUPPORT")


@functools.cache
def knob_modules(name: str) -> tuple[ModuleType, ...]:
    """The answer-stage modules holding a knob (each one that holds it, in case one imported it from another)."""
    for info in pkgutil.iter_modules(assistant.answer.__path__):
        importlib.import_module(f"assistant.answer.{info.name}")
    found = tuple(m for n, m in sorted(sys.modules.items()) if n.startswith("assistant.answer.") and name in vars(m))
    if not found:
        raise AttributeError(f"no module of assistant.answer holds the knob {name}")
    return found


def triple(score: Mapping) -> tuple[float, float, float]:
    """(fact recall, citation precision, abstained) of a runner.score record, NaN where a figure is absent."""
    def value(key: str) -> float:
        return np.nan if score.get(key) is None else float(score[key])

    return value("fact_recall"), value("citation_precision"), float(score["abstained"])


class _Traced(float):
    """A weight that notes in `reads` that it was used (arithmetic, comparison, conversion), then acts as its value."""

    def __new__(cls, value: float, name: str, reads: set[str]) -> _Traced:
        self = super().__new__(cls, value)
        self.name, self.reads = name, reads
        return self


class _TracedCount:
    """A count (a slice bound, a k) that notes in `reads` that it was used; not an int, so slicing asks __index__."""

    def __init__(self, value: int, name: str, reads: set[str]) -> None:
        self.value, self.name, self.reads = value, name, reads


def _noting(base: type, op: str):
    def method(self, *args):
        self.reads.add(self.name)
        return getattr(base, op)(self if base is float else self.value,
                                 *(a.value if isinstance(a, _TracedCount) else a for a in args))
    return method


_OPS = ("add radd sub rsub mul rmul truediv rtruediv floordiv rfloordiv mod rmod pow rpow neg pos abs lt le gt ge eq ne "
        "bool int float round trunc floor ceil hash format").split()
for _op in _OPS:
    setattr(_Traced, f"__{_op}__", _noting(float, f"__{_op}__"))
    if hasattr(int, f"__{_op}__"):
        setattr(_TracedCount, f"__{_op}__", _noting(int, f"__{_op}__"))
_TracedCount.__index__ = _noting(int, "__index__")
_TracedCount.__repr__ = lambda self: repr(self.value)


def traced(name: str, value: float, reads: set[str]) -> float:
    """The knob's value, noting its uses in `reads`."""
    if isinstance(value, int):
        return _TracedCount(value, name, reads)  # type: ignore[return-value]
    return _Traced(value, name, reads)


def current_knobs() -> dict[str, float]:
    """The knobs' values as the modules hold them now."""
    return {name: getattr(knob_modules(name)[0], name) for name in GRID}


def set_knobs(answerer, values: Mapping[str, float]) -> None:
    """Set knobs on their modules (and the answerer's own minimum support), as a test harness would."""
    for name, value in values.items():
        for module in knob_modules(name):
            setattr(module, name, value)
        if name == "MIN_SUPPORT":
            answerer.min_support = value


def distance(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """How far two settings are apart, each knob in units of its grid's range."""
    return sum(abs(a[n] - b[n]) / ((max(GRID[n]) - min(GRID[n])) or 1) for n in GRID)


class Grid:
    """Every setting of the knobs, numbered: the knobs that change the candidates (outer), then the thresholds."""

    def __init__(self, include: Mapping[str, float] | None = None) -> None:
        extra = include or {}
        self.values = {n: tuple(sorted(set(v) | ({extra[n]} if n in extra else set()))) for n, v in GRID.items()}
        names = [n for n in GRID if n not in THRESHOLDS]
        self.scoring = [dict(zip(names, v, strict=True)) for v in itertools.product(*(self.values[n] for n in names))]
        self.thresholds = [dict(zip(THRESHOLDS, v, strict=True))
                           for v in itertools.product(*(self.values[n] for n in THRESHOLDS))]
        self.shape = tuple(len(self.values[n]) for n in [*names, *THRESHOLDS])

    def __len__(self) -> int:
        return len(self.scoring) * len(self.thresholds)

    def __getitem__(self, c: int) -> dict:
        return self.scoring[c // len(self.thresholds)] | self.thresholds[c % len(self.thresholds)]

    def index(self, setting: Mapping[str, float]) -> int:
        """The number of a setting (ValueError when it is not on the grid)."""
        scoring = {n: v for n, v in setting.items() if n not in THRESHOLDS}
        thresholds = {n: setting[n] for n in THRESHOLDS}
        return self.scoring.index(scoring) * len(self.thresholds) + self.thresholds.index(thresholds)


class Harness:
    """One engine's questions answered under any knob values: retrieval is cached (the knobs do not change it), a
    change of thresholds alone is replayed on the recorded support decisions (the question re-run only when one
    flips), and a question keeps its figures when only knobs its answering never read change."""

    def __init__(self, engine: Engine, questions: Sequence[dict], label: str) -> None:
        self.label, self.questions, self.answerer = label, list(questions), engine.answerer
        self.answerer.generator = None  # the extractive answer is what the knobs shape
        self.texts = texts_of(engine.index)
        self.runs = 0
        self._search, self._decide = self.answerer.retriever.search, self.answerer._supported
        self._memo: dict = {}
        self._calls: list = []
        self.reads: set[str] = set()  # knobs read since the question's first run under the current setting
        self._known: list[dict] = [{} for _ in self.questions]  # knobs read -> their values -> figures
        self.answerer.retriever.search = self._cached_search
        self.answerer._supported = self._recorded
        docs = list(engine.index.documents.values())
        self.named = [self._named(q["question"], docs) for q in self.questions]

    def _named(self, question: str, docs: list) -> tuple[str, ...]:
        """Documents a question names (place or number); when it names none, the one retrieval ranks first."""
        info = analyse(to_vietnamese(question) or question, docs)
        return info.sources or (self._cached_search(question, 1)[0].source,)

    def _cached_search(self, question: str, k: int = 10, filters=None, mode="hybrid", info=None) -> list:
        key = (question, k, filters, mode, info)
        if key not in self._memo:
            self._memo[key] = self._search(question, k, filters, mode, info)
        return list(self._memo[key])

    def _recorded(self, candidate, kind: str) -> bool:
        decision = self._decide(candidate, kind)
        self._calls.append((candidate, kind, decision))
        return decision

    def score(self, q: Mapping) -> tuple[list, tuple[float, float, float]]:
        """Answer one question under the knobs as set: (support decisions taken, figures) scored as `assistant eval`."""
        self._calls, self.runs = [], self.runs + 1
        record = runner.result_record(q, self.answerer.ask(q["question"]), 0.0)
        runner.check_spans(record, self.texts)
        return self._calls, triple(runner.score(q, record, self.texts))

    def grid(self, scoring: Mapping[str, float], thresholds: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Figures of every question (axis 1) under every threshold setting (axis 0), the other knobs at `scoring`."""
        out = np.empty((len(thresholds), len(self.questions), 3))
        set_knobs(self.answerer, {n: traced(n, v, self.reads) for n, v in scoring.items()})
        for qi, q in enumerate(self.questions):
            # A setting that agrees with an earlier one on every knob read while answering under it gives its figures.
            known = next((f[key] for read, f in self._known[qi].items()
                          if (key := tuple(scoring[n] for n in read)) in f), None)
            if known is None:
                self.reads.clear()
                known = self._thresholds(q, thresholds)
                read = tuple(n for n in scoring if n in self.reads)
                self._known[qi].setdefault(read, {})[tuple(scoring[n] for n in read)] = known
            out[:, qi] = known
        return out

    def _thresholds(self, q: Mapping, thresholds: Sequence[Mapping[str, float]]) -> np.ndarray:
        out = np.empty((len(thresholds), 3))
        runs: list = []
        for ti, t in enumerate(thresholds):
            set_knobs(self.answerer, t)
            run = next((r for r in runs if all(self._decide(c, k) == d for c, k, d in r[0])), None)
            if run is None:
                run = self.score(q)
                runs.append(run)
            out[ti] = run[1]
        return out

    def plain(self, values: Mapping[str, float], fresh_retrieval: bool = False) -> np.ndarray:
        """Figures of every question under one setting, answered without replay or tracing (and, with
        `fresh_retrieval`, without the retrieval cache): the check that the shortcuts are exact."""
        del self.answerer._supported
        if fresh_retrieval:
            del self.answerer.retriever.search
        try:
            set_knobs(self.answerer, values)
            return np.array([self.score(q)[1] for q in self.questions])
        finally:
            self.answerer.retriever.search, self.answerer._supported = self._cached_search, self._recorded


def run_grid(harnesses: Sequence[Harness], prior: Mapping[str, float]) -> tuple[Grid, np.ndarray]:
    """Every setting of the grid (axis 0, numbered as `Grid`) over every question of every harness (axis 1),
    figures (fact recall, citation precision, abstained) on axis 2."""
    grid = Grid(prior)
    values = np.empty((len(grid), sum(len(h.questions) for h in harnesses), 3), dtype=np.float32)
    started, t = time.perf_counter(), len(grid.thresholds)
    for i, s in enumerate(grid.scoring):
        values[i * t : (i + 1) * t] = np.concatenate([h.grid(s, grid.thresholds) for h in harnesses], axis=1)
        if (i + 1) % 200 == 0 or i + 1 == len(grid.scoring):
            log.info("%d/%d settings, %d answers composed, %.0f s", i + 1, len(grid.scoring),
                     sum(h.runs for h in harnesses), time.perf_counter() - started)
    return grid, values
