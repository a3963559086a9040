"""English questions in Vietnamese words, through a hand-made glossary of the administrative-reform domain."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from assistant.text.glossary import DOMAIN_GLOSSARY as GLOSSARY_PATH
from assistant.text.glossary import glossary_pairs
from assistant.text.syllables import is_syllable

# English words that are not also folded Vietnamese syllables ("the", "to", "do", "an" are: "thể chế", "tổ chức",
# "do ai ký", "an toàn"), so a question without diacritics is never mistaken for English.
_ENGLISH_MARKERS = frozenset(
    "which what who whom whose how does did is are was were of and for with from that this these those should must "
    "many much when where why has have been by its their there any all each every about into according please "
    "department plans documents".split()
)
# English words that carry no meaning for search once the question has been glossed.
_ENGLISH_STOP = frozenset(
    "the a an of in on at for to by is are was were be been being do does did has have had which what who whom "
    "whose how when where why that this these those it its their there any each every about into according "
    "please and or with from as should must shall will would can could may might also than then so such own "
    "one set sets out up give given tell me us our we you your i s".split()
)
# Tokens: document symbols and numbers as one piece ("35/KH-SYT", "39-NQ/TW", "9001:2015", "70%"), then words.
_TOKEN = re.compile(r"[\w.]*\d[\w./:%-]*|[A-Za-zÀ-ỹĐđ]+(?:-[A-Za-zÀ-ỹĐđ]+)*", re.UNICODE)


@dataclass(frozen=True)
class Glossary:
    """English phrases (tuples of lowercase words) and the Vietnamese words they stand for."""

    entries: dict[tuple[str, ...], str]
    prefixes: frozenset[tuple[str, ...]]  # every leading part of a phrase, so a match stops when it cannot grow
    words: frozenset[str]  # every English word used in an entry, to recognise inflected forms


def _words(text: str) -> list[tuple[str, int]]:
    """Tokens with their offsets; a possessive "'s" is dropped ("People's Committee" = "People Committee")."""
    text = re.sub(r"(?<=\w)['’]s\b|(?<=s)['’]", lambda m: " " * len(m.group()), text)
    return [(m.group(), m.start()) for m in _TOKEN.finditer(text)]


def load_glossary(path: Path = GLOSSARY_PATH) -> Glossary:
    """Read the tab-separated glossary (`english<TAB>vietnamese`, `#` comments)."""
    entries: dict[tuple[str, ...], str] = {}
    for english, vietnamese in glossary_pairs(path):
        entries.setdefault(tuple(w.lower() for w, _ in _words(english)), vietnamese)
    prefixes = frozenset(key[:n] for key in entries for n in range(1, len(key) + 1))
    return Glossary(entries, prefixes, frozenset(w for key in entries for w in key))


@cache
def default_glossary() -> Glossary:
    """The glossary shipped with the package, read once."""
    return load_glossary()


def is_english(question: str) -> bool:
    """True when most words are English: not spelled like Vietnamese syllables, or English function words."""
    words = re.findall(r"[^\W\d_]+", question.lower())
    if sum(not w.isascii() for w in words) > 0.3 * len(words):
        return False
    # Acronyms typed in lower case ("cchc", "tthc", "ubnd") have no vowel and are neither language.
    english = [w for w in words if w in _ENGLISH_MARKERS
               or (len(w) >= 3 and w.isascii() and re.search("[aeiouy]", w) and not is_syllable(w))]
    return len(english) >= 2 and len(english) >= 0.4 * len(words)


def base_form(word: str, vocabulary: frozenset[str]) -> str:
    """The glossary's base form of an inflected English word ("plans" → "plan", "signed" → "sign", "bodies" → "body").

    The stripped form wins even when the inflected one is itself a glossary word ("documents" of "which documents"),
    so that phrases written in the singular still match; callers try the word as typed first.
    """
    candidates = []
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ied", "y"), ("ed", ""), ("ed", "e"), ("d", ""),
                         ("ing", ""), ("ing", "e")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            candidates.append(word[: len(word) - len(suffix)] + repl)
    # Doubled consonants before -ed/-ing ("planned", "submitting").
    for c in list(candidates):
        if len(c) > 3 and c[-1] == c[-2]:
            candidates.append(c[:-1])
    return next((c for c in candidates if c in vocabulary), word)


def to_vietnamese(question: str, glossary: Glossary | None = None) -> str | None:
    """A Vietnamese rendering of an English question for search and answer selection; None if it is not English.

    Glossary phrases are matched longest first; document symbols, numbers, acronyms and names (capitalised words
    the glossary does not know, words spelled like Vietnamese syllables such as "khanh hoa") are kept. Other
    English words are dropped, so a question whose content the glossary cannot render keeps little evidence and
    the assistant abstains rather than guesses.
    """
    if not is_english(question):
        return None
    glossary = glossary or default_glossary()
    tokens = _words(question)
    forms = [tuple(dict.fromkeys((w.lower(), base_form(w.lower(), glossary.words)))) for w, _ in tokens]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        key = _longest_phrase(forms, i, glossary)
        if key:
            out.append(glossary.entries[key])
            i += len(key)
            continue
        word, start = tokens[i]
        if _keep_untranslated(word, start, question):
            out.append(word)
        i += 1
    return " ".join(out) + ("?" if question.rstrip().endswith("?") else "")


def _longest_phrase(forms: list[tuple[str, ...]], i: int, glossary: Glossary) -> tuple[str, ...] | None:
    """The longest glossary phrase starting at token i, each word as typed or in its base form.

    Among equally long phrases the one with more words as typed wins: "which plans" (những kế hoạch nào) is not
    "which plan" (kế hoạch nào).
    """
    best, best_score = None, (0, 0)
    stack: list[tuple[int, tuple[str, ...], int]] = [(i, (), 0)]
    while stack:
        j, key, typed = stack.pop()
        if key in glossary.entries and (len(key), typed) > best_score:
            best, best_score = key, (len(key), typed)
        if j < len(forms):  # a key grows only while it is the start of some phrase: `prefixes` bounds the search
            for n, form in enumerate(forms[j]):
                longer = (*key, form)
                if longer in glossary.prefixes:
                    stack.append((j + 1, longer, typed + (n == 0)))
    return best


def _keep_untranslated(word: str, start: int, question: str) -> bool:
    """Symbols, numbers, acronyms and proper names survive; unknown English words do not."""
    if any(ch.isdigit() for ch in word) or not word.isascii():
        return True
    if word.lower() in _ENGLISH_STOP:
        return False
    if word.isupper() and len(word) >= 2:  # CCHC, TTHC, PAPI, ISO
        return True
    if is_syllable(word.lower()):  # a Vietnamese name typed without diacritics: "khanh hoa", "tu mo rong"
        return True
    sentence_start = not question[:start].strip() or question[:start].rstrip()[-1] in ".?!:"
    return word[0].isupper() and not sentence_start
