"""Proper names for OCR restoration: a place gazetteer and a person-name model, used as whole-phrase candidates."""

from __future__ import annotations

import json
import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.text import syllables as sy
from assistant.text.places import PROVINCE_BY_KEY

log = logging.getLogger(__name__)

PLACE, PERSON = "<place>", "<person>"
MAX_PLACE_LEN = 4
MAX_PERSON_LEN = 4
# Prior share of each kind of unit among place mentions in plans: provinces dominate, then districts.
KIND_PRIOR = {"province": 0.55, "district": 0.3, "ward": 0.15}
# How many pseudo-occurrences of "<unit word> <place>" the official names add to the LM, per kind.
KIND_LM_MASS = {"province": 40.0, "district": 30.0, "ward": 15.0}
# Share of Vietnamese people carrying each surname (national surveys); spellings are the usual ones.
SURNAME_SHARE = {
    "nguyễn": 38.4, "trần": 12.1, "lê": 9.5, "phạm": 7.0, "hoàng": 4.5, "huỳnh": 1.6, "phan": 4.5, "vũ": 2.9,
    "võ": 1.0, "đặng": 2.1, "bùi": 2.0, "đỗ": 1.4, "hồ": 1.3, "ngô": 1.3, "dương": 1.0, "lý": 0.5, "trịnh": 0.5,
    "đinh": 0.5, "lâm": 0.4, "mai": 0.3, "đào": 0.4, "trương": 0.4, "lương": 0.3, "cao": 0.3, "hà": 0.3,
    "tạ": 0.2, "tô": 0.1, "lưu": 0.2, "chu": 0.1, "kiều": 0.1, "thái": 0.1, "đoàn": 0.3, "tăng": 0.1, "quách": 0.1,
    "lại": 0.1, "châu": 0.1, "triệu": 0.1, "vương": 0.1, "phùng": 0.1, "thân": 0.05, "la": 0.05, "tôn": 0.05,
    "văn": 0.05, "nông": 0.1, "lò": 0.05, "y": 0.05, "hứa": 0.05, "giang": 0.05, "khổng": 0.02, "mạc": 0.02,
}
PERSON_LEN_PRIOR = {2: 0.15, 3: 0.65, 4: 0.2}
NAME_BACKOFF = 30.0  # pseudo-count of the general syllable distribution in the name-syllable model
UNIT_WORDS = ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "xã", "phường", "thị trấn", "tp")
_UNIT_PREFIX = re.compile(r"^(Tỉnh|Thành phố|Huyện|Quận|Thị xã|Xã|Phường|Thị trấn)\s+", re.IGNORECASE)
_STRIP = ".,;:!?()[]{}\"'“”‘’…*/"
_OCR_CHARS = set("¢€&$@¥0169")  # OCR renderings of marked vowels and l/i inside a word ("Ng6", "S¢")


def gazetteer_file() -> Path | None:
    """underthesea's table of Vietnamese administrative units (63 + 34 provinces, districts, wards)."""
    base = sy._package_dir("underthesea")
    path = base / "address" / "data" / "mapping.json" if base else None
    return path if path and path.is_file() else None


def _syllables(name: str) -> tuple[str, ...] | None:
    """Lowercase, NFC, administrative-tone syllables of a name; None when a part is not a plain word."""
    toks = unicodedata.normalize("NFC", name).lower().split()
    if not toks or len(toks) > MAX_PLACE_LEN or not all(t.isalpha() for t in toks):
        return None
    return tuple(sy.canonical_tone(t) if sy.is_syllable(t) else t for t in toks)


def load_gazetteer() -> dict[tuple[str, ...], str]:
    """Place name syllables -> kind (province, district, ward); hyphenated names also give their halves."""
    kinds: dict[tuple[str, ...], str] = {}
    rank = {"province": 0, "district": 1, "ward": 2}

    def put(full: str, kind: str) -> None:
        short = _UNIT_PREFIX.sub("", full.strip())
        for part in short.split(" - "):  # "Bà Rịa - Vũng Tàu": each half is a place name of its own
            syl = _syllables(part)
            if syl and (syl not in kinds or rank[kind] < rank[kinds[syl]]):
                kinds[syl] = kind

    for name in PROVINCE_BY_KEY.values():
        put(name, "province")
    path = gazetteer_file()
    if path is None:
        log.warning("underthesea's address table not found: the gazetteer has provinces only")
        return kinds
    data = json.loads(path.read_text(encoding="utf-8"))
    for table in ("province_names", "old_province_names"):
        for row in data.get(table, {}).values():
            put(row["short"], "province")
    for row in data.get("ward_mapping", []):
        put(row.get("old_district", ""), "district")
        for key in ("old_ward", "new_ward"):
            put(row.get(key, ""), "ward")
    return kinds


def unit_lines(kinds: dict[tuple[str, ...], str]) -> list[tuple[str, float]]:
    """Official-style mentions ("huyện <place>") with LM weights that spread each kind's mass over its names."""
    units = {"province": ("tỉnh", "thành phố"), "district": ("huyện", "quận", "thị xã"),
             "ward": ("xã", "phường", "thị trấn")}
    per_kind = Counter(kinds.values())
    out = []
    for kind, words in units.items():
        if per_kind[kind]:
            out += [(f"{w} {PLACE}", KIND_LM_MASS[kind] / len(words)) for w in words]
    return out


@dataclass
class NameModel:
    """Place phrases by skeleton, surname costs and the name-syllable unigram."""

    places: dict[tuple[str, ...], list[tuple[tuple[str, ...], float]]]  # skeleton tuple -> (syllables, cost)
    prefixes: dict[tuple[str, ...], dict[tuple[str, ...], float]]  # skeleton prefix -> syllable prefix -> cost
    skel_index: dict[str, list[str]]  # deletion variant -> place-syllable skeleton
    surnames: dict[str, float]  # syllable -> -log P(surname)
    given: Counter[str] = field(default_factory=Counter)  # name-syllable counts after a surname
    given_total: float = 0.0

    def given_cost(self, syl: str, p_base: float) -> float:
        """-log P(syllable | inside a person name), backed off to the general syllable distribution."""
        return -math.log((self.given.get(syl, 0.0) + NAME_BACKOFF * p_base) / (self.given_total + NAME_BACKOFF))


def _deletes(s: str) -> set[str]:
    out = {s}
    for i in range(len(s)):
        out.add(s[:i] + s[i + 1:])
    return out


def build_names(kinds: dict[tuple[str, ...], str], counts: Counter[tuple[str, ...]],
                given: Counter[str]) -> NameModel:
    """Place costs -log P(name | <place>) from kind priors plus training mentions; surname and given-name tables."""
    per_kind = Counter(kinds.values())
    total = sum(counts.values())
    strength = 20.0  # pseudo-mentions of the kind prior: a few real mentions already shift a name up
    places: dict[tuple[str, ...], list[tuple[tuple[str, ...], float]]] = {}
    prefix_mass: dict[tuple[str, ...], Counter[tuple[str, ...]]] = {}
    skel_index: dict[str, set[str]] = {}
    for syl, kind in kinds.items():
        prior = KIND_PRIOR[kind] / per_kind[kind]
        cost = -math.log((counts.get(syl, 0) + strength * prior) / (total + strength))
        key = tuple(sy.skeleton(s) for s in syl)
        places.setdefault(key, []).append((syl, cost))
        for i in range(1, len(key) + 1):  # a name cut by the end of a line: P(prefix) sums its names
            prefix_mass.setdefault(key[:i], Counter())[syl[:i]] += math.exp(-cost)
        for sk in key:
            for d in _deletes(sk):
                skel_index.setdefault(d, set()).add(sk)
    share = sum(SURNAME_SHARE.values())
    surnames = {s: -math.log(v / share) for s, v in SURNAME_SHARE.items()}
    prefixes = {k: {syl: -math.log(m) for syl, m in v.items()} for k, v in prefix_mass.items()}
    return NameModel(places, prefixes, {k: sorted(v) for k, v in skel_index.items()}, surnames,
                     given, float(sum(given.values())))


def _is_name_token(tok: str) -> bool:
    """A capitalised (Title or UPPER) alphabetic token: Vietnamese writes every syllable of a name that way."""
    core = tok.strip(_STRIP)
    return bool(core) and core.isalpha() and core[0].isupper()


def mark_names(text: str, kinds: dict[tuple[str, ...], str], lexicon: set[str],
               places: Counter[tuple[str, ...]], given: Counter[str]) -> str:
    """Replace capitalised gazetteer names with <place> and surname-led names with <person> in clean text."""
    toks = text.split()
    out: list[str] = []
    i = 0
    while i < len(toks):
        prev = out[-1].strip(_STRIP).lower() if out else ""
        prev2 = " ".join(t.strip(_STRIP).lower() for t in out[-2:])
        hit = _match_place(toks, i, kinds, lexicon, prev in UNIT_WORDS or prev2 in UNIT_WORDS)
        if hit:
            places[hit[1]] += 1
            out.append(PLACE + _trail(toks[i + hit[0] - 1]))
            i += hit[0]
            continue
        n = _match_person(toks, i)
        if n:
            given.update(sy.canonical_tone(t.strip(_STRIP).lower()) for t in toks[i + 1:i + n])
            out.append(PERSON + _trail(toks[i + n - 1]))
            i += n
            continue
        out.append(toks[i])
        i += 1
    return " ".join(out)


def _trail(tok: str) -> str:
    core = tok.rstrip(_STRIP)
    return tok[len(core):]


def _inner_ok(toks: list[str], i: int, n: int) -> bool:
    """Tokens i..i+n-1 are capitalised words with punctuation only before the first and after the last."""
    span = toks[i:i + n]
    if len(span) < n or not all(_is_name_token(t) for t in span):
        return False
    return all(t == t.rstrip(_STRIP) for t in span[:-1]) and all(t == t.lstrip(_STRIP) for t in span[1:])


def _match_place(toks: list[str], i: int, kinds: dict[tuple[str, ...], str], lexicon: set[str],
                 after_unit: bool) -> tuple[int, tuple[str, ...]] | None:
    for n in range(MAX_PLACE_LEN, 0, -1):
        if not _inner_ok(toks, i, n):
            continue
        syl = _syllables(" ".join(t.strip(_STRIP) for t in toks[i:i + n]))
        if syl in kinds and (n > 1 or after_unit) and (after_unit or " ".join(syl) not in lexicon):
            return n, syl
    return None


def _match_person(toks: list[str], i: int) -> int:
    first = toks[i].strip(_STRIP).lower()
    if first not in SURNAME_SHARE or toks[i] != toks[i].rstrip(_STRIP):
        return 0
    for n in range(MAX_PERSON_LEN, 1, -1):
        if _inner_ok(toks, i, n) and all(sy.is_syllable(t.strip(_STRIP).lower()) for t in toks[i:i + n]):
            return n
    return 0


Arc = tuple[int, tuple[str, ...], str, float]  # (token count, lowercase syllables, LM class token, channel+name cost)
PLACE_SKELETON_MARGIN = 9.0


def name_arcs(cores: list[str], raws: list[str], names: NameModel, emit: Callable[[str, str], float],
              candidates: Callable[[str], list[tuple[str, float]]],
              p_base: Callable[[str], float]) -> dict[int, list[Arc]]:
    """Whole-name candidates starting at each token: gazetteer places and surname-led person names."""
    ok = [bool(c) and c[0].isupper() and all(ch.isalpha() or ch in _OCR_CHARS for ch in c) for c in cores]
    lows = [unicodedata.normalize("NFC", c).lower() for c in cores]
    skels: list[list[str] | None] = [None] * len(cores)
    arcs: dict[int, list[Arc]] = {}
    for i in range(len(cores)):
        if not ok[i]:
            continue
        found = _place_arcs(i, raws, ok, lows, skels, names, emit, candidates)
        found += _person_arcs(i, raws, ok, lows, names, emit, candidates, p_base)
        if found:
            arcs[i] = found
    return arcs


def _skeleton_emit(base: str, ocr: str) -> float:
    """Skeleton emission bound; letters outside Vietnamese spelling (f, j, w, z in minority names) print as is."""
    if base in "fjwz":
        return 0.0 if ocr == base else sy.emit_cost("b", ocr)
    return sy.skeleton_emit_cost(base, ocr)


def _token_skeletons(low: str, names: NameModel, candidates: Callable[[str], list[tuple[str, float]]]) -> list[str]:
    skel = sy.ocr_skeleton(low)
    # the syllable candidates reach two-letter damage (ư printed "ir") that one deletion cannot
    near = {sk for c, _ in candidates(low) if (sk := sy.skeleton(c)) in names.skel_index}
    for d in _deletes(skel) | {skel}:
        near.update(names.skel_index.get(d, ()))
    bounds = [(sy.channel_cost(sk, low, _skeleton_emit), sk) for sk in near if abs(len(sk) - len(skel)) <= 1]
    if not bounds:
        return []
    floor = min(b for b, _ in bounds)
    return [sk for b, sk in bounds if b <= floor + PLACE_SKELETON_MARGIN]


def _place_arcs(i: int, raws: list[str], ok: list[bool], lows: list[str], skels: list[list[str] | None],
                names: NameModel, emit: Callable[[str, str], float],
                candidates: Callable[[str], list[tuple[str, float]]]) -> list[Arc]:
    out: list[Arc] = []
    frontier: list[tuple[str, ...]] = [()]
    for n in range(1, MAX_PLACE_LEN + 1):
        j = i + n - 1
        if j >= len(lows) or not ok[j] or (n > 1 and (raws[j - 1] != raws[j - 1].rstrip(_STRIP)
                                                       or raws[j] != raws[j].lstrip(_STRIP))):
            break
        if skels[j] is None:
            skels[j] = _token_skeletons(lows[j], names, candidates)
        frontier = [p + (sk,) for p in frontier for sk in skels[j] if p + (sk,) in names.prefixes]
        if not frontier:
            break
        at_end = j == len(lows) - 1
        for key in frontier:
            named = names.places.get(key, []) + (list(names.prefixes[key].items()) if at_end else [])
            for syl, cost in named:
                ch = sum(sy.channel_cost(s, lows[i + k], emit) for k, s in enumerate(syl))
                if ch < 12.0 * n:
                    out.append((n, syl, PLACE, ch + cost))
    return out


def _person_arcs(i: int, raws: list[str], ok: list[bool], lows: list[str], names: NameModel,
                 emit: Callable[[str, str], float], candidates: Callable[[str], list[tuple[str, float]]],
                 p_base: Callable[[str], float]) -> list[Arc]:
    if raws[i] != raws[i].rstrip(_STRIP):
        return []
    sur = min(((sy.channel_cost(s, lows[i], emit) + c, s) for s, c in names.surnames.items()), default=None)
    if sur is None or sur[0] > 10.0:
        return []
    out: list[Arc] = []
    cost, syls = sur[0], (sur[1],)
    for n in range(2, MAX_PERSON_LEN + 1):
        j = i + n - 1
        if j >= len(lows) or not ok[j] or raws[j] != raws[j].lstrip(_STRIP):
            break
        cands = candidates(lows[j])
        if sy.is_syllable(lows[j]) and all(c != lows[j] for c, _ in cands):
            cands = [(lows[j], 0.0)] + cands
        best = min(((c + names.given_cost(s, p_base(s)), s) for s, c in cands), default=None)
        if best is None:
            break
        cost, syls = cost + best[0], syls + (best[1],)
        out.append((n, syls, PERSON, cost - math.log(PERSON_LEN_PRIOR[n])))
        if raws[j] != raws[j].rstrip(_STRIP):
            break
    return out
