"""Decoding OCR-damaged Vietnamese with a restoration model: candidates per token, whole-name arcs, a trigram
beam search, and the damage score that decides whether a text needs it."""

from __future__ import annotations

import math
import re
import unicodedata

from assistant.restore.margins import Key, Lattice, token_margins
from assistant.restore.model import BOS, FOREIGN, NUM, UNK, RestoreModel, mid_sentence_case
from assistant.restore.names import name_arcs
from assistant.text import syllables as sy
from assistant.text.syllables import ocr_skeleton

CHANNEL_WEIGHT = 1.0
NUMBER_AS_WORD_PENALTY = 4.0  # a bare number is usually a number; a word needs strong context ("16 trình")
DAMAGE_THRESHOLD = 0.3
# A token whose best alternative costs less than this much more (nats: under e^2, about 7 times less likely) is
# marked unsure. Chosen on evals/ocr_restore_dev.jsonl for the best F1 of "unsure" against the wrong tokens
# (`python -m assistant.evaluation.restoration` reports precision and recall at this and nearby margins).
UNSURE_MARGIN = 2.0
BEAM = 12
OOV_PENALTY = 8.0
GLUED_COST = 8.0  # a heading token no single syllable explains under this channel cost may be two run together
OOV_PENALTY_LOWER = 14.0  # lowercase loanwords are rarer in plans than OCR garbage

_LEAD = "([{\"'“‘«*"
_TRAIL = ".,;:!?)]}\"'”’»…/*"
_OCR_LETTERS = set("é¢€&$@¥ﬁ")
_SYMBOL_RE = re.compile(r"^[\w.]*\d[\w.]*([/-][\w.]+)+$|^[\w]*[/-][A-Za-zĐđ]+([/-][\w]+)*$")
# CCHC, DVC, and initials joined by "&" (KH&CN, GD&ĐT: "Khoa học và Công nghệ"): never one syllable
_VOWELLESS_CAPS_RE = re.compile(r"^(?=.{2})[B-DF-HJ-NP-TV-XZĐ]+(?:&[B-DF-HJ-NP-TV-XZĐ]+)*$")
_GLUED_NUMBER_RE = re.compile(r"^([^\W\d_]{2,}[^\W_]*?)(\d{2,})$")
_NUMERIC_RE = re.compile(r"^[\d.,:/%-]+$")
_NUMBERED_NAME_RE = re.compile(r"^\d+[A-Z]{1,3}$")  # "5G", "3D": a number and capitals, never a misread word
_DAMAGED_MARK_RE = re.compile(r"[¢€&$@¥]|[a-zé]\d|\d[a-zé]", re.IGNORECASE)
# A heading's Roman numeral ("IV.", OCR'd "Il." or "I1l." for II., III.): a number, never a word to restore.
_ROMAN_RE = re.compile(r"^[IVX][IVXl1|]{0,4}\.$")
_VOWELS = frozenset("aeiouy")
_LIST_MARK_RE = re.compile(r"^\W?[a-zđ]\)$")  # "a)", "đ)": a list item's letter, not a word
_GLUED_ROMAN_RE = re.compile(r"^([IVX]+\.)(?=[^\W\d_])")



def paragraphs(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines."""
    out: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            out[-1].append(line)
        elif out[-1]:
            out.append([])
    return [p for p in out if p]


def split_token(tok: str) -> tuple[str, str, str]:
    """Leading punctuation, core, trailing punctuation."""
    i, j = 0, len(tok)
    while i < j and tok[i] in _LEAD:
        i += 1
    while j > i and tok[j - 1] in _TRAIL:
        j -= 1
    return tok[:i], tok[i:j], tok[j:]


def _roman(core: str) -> str:
    """A Roman numeral with OCR's l, 1 and | read back as I."""
    return core.translate(str.maketrans("l1|", "III"))


def split_glued(line: str, model: RestoreModel) -> str:
    """`line` with words the OCR ran together taken apart ("Caicach" -> "Cai cach", "V.TO" -> "V. TO"): for
    headings, which are shown on their own and need not keep the OCR's tokens."""
    out = []
    for tok in line.split():
        tok = _GLUED_ROMAN_RE.sub(r"\1 ", tok)
        lead, core, trail = split_token(tok)
        low = core.lower()
        if (len(core) >= 6 and core.isalpha() and not sy.is_syllable(low) and low not in model.p_base
                and min((c for _, c in model.candidates(low)), default=math.inf) > GLUED_COST):
            splits = [(_skeleton_weight(low[:i], model) + _skeleton_weight(low[i:], model), i)
                      for i in range(3, len(low) - 2)]
            best = max(splits)
            if best[0] > -math.inf:
                tok = f"{lead}{core[:best[1]]} {core[best[1]:]}{trail}"
        out.append(tok)
    return " ".join(out)


def _skeleton_weight(part: str, model: RestoreModel) -> float:
    """log of the commonest syllable spelled with this OCR skeleton (-inf when none is)."""
    words = model.by_skeleton.get(ocr_skeleton(part), ())
    return max((math.log(model.p_base.get(w, model.floor)) for w in words), default=-math.inf)


def apply_case(pattern: str, word: str) -> str:
    """Copy the input token's case (UPPER, Title or lower) onto the restored word."""
    letters = [c for c in pattern if c.isalpha()]
    if not letters:
        return word
    uppers = sum(c.isupper() for c in letters)
    if len(letters) > 1 and uppers * 2 > len(letters):
        return word.upper()
    if pattern[0].isupper() or (not pattern[0].isalpha() and letters[0].isupper()):
        return word[:1].upper() + word[1:]
    return word


def repair_symbol(core: str, model: RestoreModel) -> str:
    """Fix Đ inside a document symbol (ND-CP -> NĐ-CP, Qb -> QĐ) using abbreviations seen in clean text."""
    parts = re.split(r"([/-])", core)
    out = []
    for part in parts:
        # OCR reads Đ as b/P/D inside an all-caps abbreviation; only rewrite when the Đ-form is attested.
        folded = part[:1] + part[1:].replace("b", "D") if len(part) <= 6 else part
        folded = folded.upper() if folded.isalpha() and len(folded) <= 6 else folded
        out.append(model.abbreviations.get(folded, part))
    return "".join(out)


def _classify(core: str, model: RestoreModel) -> str:
    """'word', 'number' (may still be a misread word), 'symbol' or 'keep'."""
    if not core:
        return "keep"
    if core.isdigit():
        return "number" if len(core) <= 2 else "keep"
    if _NUMERIC_RE.match(core) or _NUMBERED_NAME_RE.match(core):
        return "keep"
    if _SYMBOL_RE.match(core) or "/" in core:
        return "symbol"
    if core in model.acronyms or (_VOWELLESS_CAPS_RE.match(core) and not _q_for_vowel(core)):
        return "keep"
    if len(core) == 1 and core.isupper() and core.isascii() and core.lower() not in _VOWELS:
        # a lone capital consonant is a table's tick or a variable ("X"), not a word that lost letters ("Xe");
        # a lone small one may be ("s" for "số" in OCR text)
        return "keep"
    if all(c.isalpha() or c.isdigit() or c in _OCR_LETTERS for c in core) and len(core) <= 8:
        return "word"
    return "keep"


def _q_for_vowel(core: str) -> bool:
    """A capitals word whose one vowel the OCR read as Q ("CQNG" for "CỘNG" in "CỘNG HÒA XÃ HỘI"): Vietnamese
    writes Q only before U, and with O in its place the word is a syllable; "QLNN", "BQL" stay acronyms."""
    low = core.lower()
    return len(low) >= 3 and "q" in low and "qu" not in low and sy.is_syllable(low.replace("q", "o"))


def _is_clean_syllable(low: str, model: RestoreModel) -> bool:
    return sy.has_diacritics(low) and sy.skeleton(low) in model.by_skeleton and low in model.p_base


def decode_line(line: str, model: RestoreModel) -> str:
    """Decode one line, damaged or not."""
    return decode_lines([line], model)[0]


def decode_lines(lines: list[str], model: RestoreModel) -> list[str]:
    """Decode consecutive lines as one sequence so a sentence broken across lines keeps its context."""
    return _decode(lines, model, with_margins=False)[0]


def decode_with_margins(lines: list[str], model: RestoreModel) -> tuple[list[str], list[float]]:
    """`decode_lines` plus each whitespace token's margin: the extra cost (nats) of the best reading that writes
    another word there (inf for tokens with no alternative)."""
    return _decode(lines, model, with_margins=True)


def _decode(lines: list[str], model: RestoreModel, with_margins: bool) -> tuple[list[str], list[float]]:
    split = [re.split(r"(\s+)", line) for line in lines]
    raws = [p for pieces in split for p in pieces if p and not p.isspace()]
    cores = [split_token(p)[1] for p in raws]
    slots = [[(_roman(core), NUM, 0.0)] if _ROMAN_RE.match(raw) else [(core, NUM, 0.0)]
             if _LIST_MARK_RE.match(raw) else token_candidates(core, model) or [(core, UNK, 0.0)]
             for raw, core in zip(raws, cores, strict=True)]  # a token nothing explains is kept as written
    for slot, title in zip(slots, mid_sentence_case(raws), strict=True):
        if title is not None:  # names take the whole-name arcs; a capital on a plain word has its price
            slot[:] = [(o, lm, c + model.case_cost(lm, title)) for o, lm, c in slot]
    arcs = _name_arcs(cores, raws, model)
    lattice = Lattice() if with_margins else None
    # a run of spaces inside a line is a column gap: the header's two columns ("SỞ Y TẾ TỈNH KON TUM  CỘNG HÒA XÃ
    # HỘI ...", Nghị định 30/2020/NĐ-CP's layout) are two texts, and one must not be read as the other's context
    gaps = {k for k, gap in enumerate(g for pieces in split for g in _gap_flags(pieces)) if gap}
    best = _viterbi(slots, arcs, model, lattice, gaps)
    margins = token_margins(lattice, best) if lattice is not None else []
    outs = iter(best)
    result = []
    for pieces in split:
        rebuilt = []
        for piece in pieces:
            if piece and not piece.isspace():
                lead, _core, trail = split_token(piece)
                piece = lead + next(outs) + trail
            rebuilt.append(piece)
        result.append("".join(rebuilt))
    return result, margins


def _name_arcs(cores: list[str], raws: list[str], model: RestoreModel) -> dict[int, list[tuple[list[str], str, float]]]:
    """Whole-name alternatives (place or person) per start token, cased like the OCR tokens they cover."""
    if model.names is None:
        return {}
    found = name_arcs(cores, raws, model.names, model.emit, model.candidates,
                      lambda s: model.p_base.get(s, model.floor))
    return {i: [([apply_case(cores[i + k], syl) for k, syl in enumerate(syls)], lm, cost)
                 for _n, syls, lm, cost in arcs] for i, arcs in found.items()}


def _gap_flags(pieces: list[str]) -> list[bool]:
    """Per token of one line's `re.split(r"(\\s+)")` pieces: whether a column gap (two spaces or more, or a tab)
    comes right before it."""
    flags, gap = [], False
    for piece in pieces:
        if piece and not piece.isspace():
            flags.append(gap)
            gap = False
        elif piece:
            gap = bool(flags) and (len(piece) >= 2 or "\t" in piece)
    return flags


def _viterbi(slots: list[list[tuple[str, str, float]]], arcs: dict[int, list[tuple[list[str], str, float]]],
             model: RestoreModel, lattice: Lattice | None = None, gaps: set[int] = frozenset()) -> list[str]:
    """Beam search over a lattice with a trigram LM: one-token candidates plus whole-name arcs; records the
    expanded states and every step in `lattice` when one is given."""
    Beam = tuple[float, str, str, list[str]]  # score, LM token before last, last LM token, outputs
    pending: list[dict[Key, Beam]] = [{} for _ in range(len(slots) + 1)]
    pending[0][(BOS, BOS, "")] = (0.0, BOS, BOS, [])

    def push(frm: int, src: Key, at: int, beam: Beam, outs: list[str], lm_tok: str, cost: float) -> None:
        score, p2, p1, path = beam
        if frm in gaps:  # the LM starts afresh after a column gap
            p2, p1 = BOS, BOS
        step = CHANNEL_WEIGHT * cost - model.logp3(p2, p1, lm_tok)
        s = score + step
        key = (p1, lm_tok, outs[-1])
        if lattice is not None:
            lattice.edges.append((frm, src, step, at, key, tuple(outs)))
        if key not in pending[at] or s < pending[at][key][0]:
            pending[at][key] = (s, p1, lm_tok, path + outs)

    for i, cands in enumerate(slots):
        beams = sorted(pending[i].items(), key=lambda kb: kb[1][0])[:BEAM]
        pending[i] = {}
        if lattice is not None:
            lattice.kept.append({key: beam[0] for key, beam in beams})
        for key, beam in beams:
            for out, lm_tok, cost in cands:
                push(i, key, i + 1, beam, [out], lm_tok, cost)
            for outs, lm_tok, cost in arcs.get(i, ()):
                push(i, key, i + len(outs), beam, outs, lm_tok, cost)
    if lattice is not None:
        lattice.kept.append({key: beam[0] for key, beam in pending[-1].items()})
    final = sorted(pending[-1].values(), key=lambda b: b[0])
    return final[0][3] if final else []


def token_candidates(core: str, model: RestoreModel) -> list[tuple[str, str, float]]:
    """(output core, LM token, channel cost) alternatives for one token core."""
    glued = _GLUED_NUMBER_RE.match(core)
    if glued:  # "ngay05": a word and a number the OCR ran together; only the word is restored
        head, digits = glued.groups()
        return [(out + digits, lm, cost) for out, lm, cost in token_candidates(head, model)]
    kind = _classify(core, model)
    if kind == "keep":
        if core in model.acronyms or _VOWELLESS_CAPS_RE.match(core):
            return [(repair_symbol(core, model), core.lower(), 0.0)]
        return [(core, NUM if _NUMERIC_RE.match(core) else UNK, 0.0)]
    if kind == "symbol":
        if ":" in core and not core.split(":", 1)[0].isdigit():
            # "S6:66/KH-YTTMR": a word glued to a symbol by a colon
            head, tail = core.split(":", 1)
            word = token_candidates(head, model)[0]
            return [(word[0] + ":" + repair_symbol(tail, model), NUM, 0.0)]
        return [(repair_symbol(core, model), NUM, 0.0)]
    low = unicodedata.normalize("NFC", core).lower()
    out: list[tuple[str, str, float]] = []
    if kind == "number":
        out.append((core, NUM, 0.0))
    cands = model.candidates(low)
    if _is_clean_syllable(low, model) and all(c != low for c, _ in cands):
        cands = [(low, 0.0)] + cands
    penalty = NUMBER_AS_WORD_PENALTY if kind == "number" else 0.0
    for syl, cost in cands:
        out.append((apply_case(core, syl), syl, cost + penalty))
    if kind == "word" and core.isascii() and core.isalpha():
        if low not in model.p_base:
            # names and foreign words (Kon Tum, Zalo) are outside the inventory: keep them at a fixed price
            out.append((core, FOREIGN, OOV_PENALTY if core[0].isupper() else OOV_PENALTY_LOWER))
        elif not sy.is_syllable(low):  # a foreign word the LM knows ("PAR INDEX", "E-Office")
            out.append((core, low, 0.0))
    return out


def _token_damaged(core: str, model: RestoreModel) -> float | None:
    """1.0 damaged, 0.0 clean, a share in between for a bare word, None when not a word at all."""
    if _q_for_vowel(core):
        return 1.0
    if _SYMBOL_RE.match(core) or _VOWELLESS_CAPS_RE.match(core):
        return 1.0 if repair_symbol(core, model) != core else None  # ND-CP for NĐ-CP is OCR damage
    if not core or _NUMERIC_RE.match(core) or core in model.acronyms:
        return None
    if _DAMAGED_MARK_RE.search(core):
        return 1.0
    if not all(c.isalpha() for c in core) or len(core) < 2:
        return None  # single letters are list markers (a), V.) more often than words
    low = unicodedata.normalize("NFC", core).lower()
    if not sy.is_syllable(low) or low not in model.p_base:
        return 1.0
    if sy.has_diacritics(low):
        return 0.0
    # a bare syllable is damage in proportion to how rarely clean text writes that skeleton without marks
    return 1.0 - model.plain_share.get(sy.skeleton(low), 0.0)


def damage(text: str, model: RestoreModel) -> float:
    """Share of word tokens that look OCR-damaged or stripped of diacritics (0 clean .. 1 damaged)."""
    vals = [v for tok in text.split() if (v := _token_damaged(split_token(tok)[1], model)) is not None]
    return sum(vals) / len(vals) if vals else 0.0
