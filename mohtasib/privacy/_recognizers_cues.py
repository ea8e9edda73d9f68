"""PERSON and ADDRESS from cue words, in English and Urdu.

Pakistani police text names people with their parentage and residence: "Muhammad
Asif s/o Abdul Rasheed r/o House No. 12, Gali 4, Lahore" or "محمد اسلم ولد غلام
رسول ساکن محلہ اسلام پورہ، لاہور". A name is the run of capitalised words (English,
at most four) or of Arabic-script words (Urdu, at most three) next to a parentage
cue (s/o, d/o, w/o, ولد، بنت، زوجہ) or after a title (Mr., Mst., مسمی); an address
is what follows a residence cue (r/o, ساکن) or an address keyword (House, Gali,
Mohallah, Chak No., Street, Sector, Block; مکان نمبر، محلہ …), clause by clause,
until a word that cannot belong to an address. No statistical model is involved:
names without a cue are not found.
"""

from __future__ import annotations

import re

from mohtasib.privacy._nlp import EntityRecognizer, NlpArtifacts, RecognizerResult

__all__ = ["CueAddressRecognizer", "CuePersonRecognizer"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EN_WORD = r"[A-Z][a-z]+(?:-[A-Za-z][a-z]+)?"
_EN_NAME_AFTER = re.compile(rf"[ \t]*((?:{_EN_WORD})(?:[ \t]+{_EN_WORD}){{0,3}})")
_EN_NAME_BEFORE = re.compile(rf"((?:{_EN_WORD}[ \t]+){{0,3}}{_EN_WORD})[ \t]*,?[ \t]*$")
_EN_PARENTAGE = re.compile(
    r"(?<![\w/])(?:[SDWsdw][ \t]?/[ \t]?[Oo]\.?|son of|daughter of|wife of)(?!\w)"
)
_EN_TITLE = re.compile(r"(?<!\w)(?:Mr|Mrs|Ms|Mst|Miss|Dr|Mohtarma|Janab)\.?(?=[ \t])")
_EN_STOP = _words(
    "Complainant Accused Victim Witness Applicant Petitioner Respondent Driver "
    "Owner The One Namely Deceased Suspect Mr Mrs Ms Mst Miss Dr Sir Dear Subject "
    "Caste Qaum Police Station Inspector Constable Sub Informant Son Daughter Wife "
    "Resident House Gali Street Mohallah Chak Sector Block Road District Tehsil "
    "Village Mauza Cell Mobile Phone Age Aged Aka Alias Vehicle Motorcycle Car On "
    "At In And Of Who Sho Asi Case Fir Dated Date"
)

_UR_LETTERS = r"[^\W\d_A-Za-z]+"
_UR_PARENTAGE = re.compile(r"(?<!\w)(?:ولد|بنت|زوجہ|ولدیت|دختر)(?!\w)")
_UR_TITLE = re.compile(r"(?<!\w)(?:مسمی|مسمیٰ|مسماۃ|مسمات|مسمّی|جناب|محترمہ)(?!\w)")
_UR_STOP = _words(
    "فرار گرفتار موقع زخمی ہمراہ ملزم ملزمان مدعی مدعیہ مسمی مسمیٰ مسماۃ نامی "
    "کہ نے کو کا کی کے میں سے اور ہے "
    "ہیں تھا تھی مقتول مضروب گواہ سائل سائلہ درخواست گزار بیان کیا جناب محترم "
    "محترمہ بنام من ڈرائیور مالک ولد بنت زوجہ ولدیت دختر ساکن سکنہ رہائشی قوم عمر "
    "سال پر بھی جو یہ وہ ایک"
)
_UR_WORD = re.compile(_UR_LETTERS)
_UR_NEXT = re.compile(rf"[ \t]*({_UR_LETTERS})")
_UR_PREV = re.compile(rf"(?<!\w)({_UR_LETTERS})[ \t]*$")

_EN_RESIDENCE = re.compile(
    r"(?<![\w/])(?:[Rr][ \t]?/[ \t]?[Oo]\.?|resident of|residing at)(?!\w)[ \t:]*"
)
_EN_ADDRESS_START = re.compile(
    r"(?<!\w)(?:House|H\.[ \t]?No\.|Gali|Street|Mohallah|Mohalla|Chak|Sector|Block|Plot|Flat)(?!\w)"
)
_EN_TOKEN = r"(?:No\.|St\.|Rd\.|H\.|no\.?|[A-Z0-9][\w'\-/#]*)"
_EN_CHUNK = re.compile(rf"[ \t]*({_EN_TOKEN}(?:[ \t]+{_EN_TOKEN}){{0,6}})")
_EN_ADDRESS_STOP = _words(
    "Cell Mobile Phone Ph Tel Contact CNIC NIC Vehicle Reg FIR Case Email Dated "
    "Date On At Who The In Complainant Accused Caste Age Aged Police PS Under U/S "
    "Vide"
)
_UR_RESIDENCE = re.compile(r"(?<!\w)(?:ساکن|سکنہ|رہائشی|پتہ)(?!\w)[ \t:]*")
_UR_ADDRESS_START = re.compile(r"(?<!\w)(?:مکان نمبر|گلی نمبر|محلہ|چک نمبر|سیکٹر|بلاک|موضع)(?!\w)")
_UR_ADDRESS_TOKEN = re.compile(r"[ \t]*[،,]?[ \t]*([^\W_]+(?:[\-/][^\W_]+)*)")
_UR_ADDRESS_STOP = _UR_STOP | _words("تھانہ تھانے بروز مورخہ موبائل فون شناختی")


def _span(start: int, end: int, entity: str, score: float) -> RecognizerResult:
    return RecognizerResult(entity, start, end, score)


class _CueRecognizer(EntityRecognizer):
    def __init__(self, entity: str, *, urdu: bool, language: str) -> None:
        self.urdu = urdu
        super().__init__(
            supported_entities=[entity], name=f"mohtasib_cue_{entity}", supported_language=language
        )

    def load(self) -> None:
        """Nothing to load."""


class CuePersonRecognizer(_CueRecognizer):
    """Names next to parentage cues or after titles.

    Parameters
    ----------
    urdu
        Also apply the Urdu cues.
    language
        The Presidio language code this instance is registered for.
    """

    def __init__(self, *, urdu: bool = True, language: str = "en") -> None:
        super().__init__("PERSON", urdu=urdu, language=language)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Return the names found next to cues."""
        out: list[RecognizerResult] = []
        for cue in _EN_PARENTAGE.finditer(text):
            out += _en_before(text, cue.start()) + _en_after(text, cue.end())
        for cue in _EN_TITLE.finditer(text):
            out += _en_after(text, cue.end())
        if self.urdu and _UR_WORD.search(text):
            for cue in _UR_PARENTAGE.finditer(text):
                out += _ur_words(text, cue.start(), backward=True)
                out += _ur_words(text, cue.end(), backward=False)
            for cue in _UR_TITLE.finditer(text):
                out += _ur_words(text, cue.end(), backward=False)
        return out


def _en_after(text: str, pos: int) -> list[RecognizerResult]:
    match = _EN_NAME_AFTER.match(text, pos)
    if match is None:
        return []
    words = match.group(1).split()
    keep = 0
    while keep < len(words) and words[keep] not in _EN_STOP:
        keep += 1
    if keep == 0:
        return []
    start = match.start(1)
    end = (
        start + len(" ".join(words[:keep]))
        if keep == len(words)
        else _end_of(text, start, words[:keep])
    )
    return [_span(start, end, "PERSON", 0.7)]


def _end_of(text: str, start: int, words: list[str]) -> int:
    pos = start
    for word in words:
        pos = text.index(word, pos) + len(word)
    return pos


def _en_before(text: str, pos: int) -> list[RecognizerResult]:
    match = _EN_NAME_BEFORE.search(text[max(0, pos - 80) : pos])
    if match is None:
        return []
    offset = max(0, pos - 80)
    words = match.group(1).split()
    first = len(words)
    while first > 0 and words[first - 1] not in _EN_STOP:
        first -= 1
    if first == len(words):
        return []
    end = offset + match.end(1)
    start = end - len(" ".join(words[first:]))
    if text[start:end] != " ".join(words[first:]):  # tabs or double spaces inside the name
        start = offset + match.start(1) + match.group(1).index(words[first])
    return [_span(start, end, "PERSON", 0.7)]


def _ur_words(text: str, pos: int, *, backward: bool) -> list[RecognizerResult]:
    spans: list[tuple[int, int]] = []
    while len(spans) < 3:
        if backward:
            window = max(0, pos - 40)
            match = _UR_PREV.search(text[window:pos])
            span = (window + match.start(1), window + match.end(1)) if match else None
        else:
            match = _UR_NEXT.match(text, pos)
            span = match.span(1) if match else None
        if span is None or text[span[0] : span[1]] in _UR_STOP:
            break
        spans.append(span)
        pos = span[0] if backward else span[1]
    if not spans:
        return []
    return [_span(min(s for s, _ in spans), max(e for _, e in spans), "PERSON", 0.7)]


class CueAddressRecognizer(_CueRecognizer):
    """Addresses after residence cues or starting with an address keyword.

    Parameters
    ----------
    urdu
        Also apply the Urdu cues.
    language
        The Presidio language code this instance is registered for.
    """

    def __init__(self, *, urdu: bool = True, language: str = "en") -> None:
        super().__init__("ADDRESS", urdu=urdu, language=language)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Return the addresses found after cues or keywords."""
        out: list[RecognizerResult] = []
        for cue in _EN_RESIDENCE.finditer(text):
            out += _en_address(text, cue.end(), min_tokens=1)
        for cue in _EN_ADDRESS_START.finditer(text):
            out += _en_address(text, cue.start(), min_tokens=2)
        if self.urdu and _UR_WORD.search(text):
            for cue in _UR_RESIDENCE.finditer(text):
                out += _ur_address(text, cue.end())
            for cue in _UR_ADDRESS_START.finditer(text):
                out += _ur_address(text, cue.start())
        return out


def _en_address(text: str, pos: int, *, min_tokens: int) -> list[RecognizerResult]:
    start = end = -1
    tokens = 0
    for _ in range(8):
        match = _EN_CHUNK.match(text, pos)
        if match is None:
            break
        words = match.group(1).split()
        keep = 0
        while keep < len(words) and words[keep].rstrip(".") not in _EN_ADDRESS_STOP:
            keep += 1
        if keep == 0:
            break
        if start < 0:
            start = match.start(1)
        end = _end_of(text, match.start(1), words[:keep])
        tokens += keep
        comma = re.match(r"[ \t]*,", text[end : end + 8])
        if keep < len(words) or comma is None:
            break
        pos = end + comma.end()
    if start < 0 or tokens < min_tokens:
        return []
    return [_span(start, end, "ADDRESS", 0.65)]


def _ur_address(text: str, pos: int) -> list[RecognizerResult]:
    start = end = -1
    for count, match in enumerate(_UR_ADDRESS_TOKEN.finditer(text, pos)):
        if match.start() != pos or count == 14 or match.group(1) in _UR_ADDRESS_STOP:
            break
        if match.group(1).isascii() and not any(c.isdigit() for c in match.group(1)):
            break  # a Latin word ends an Urdu address
        start = match.start(1) if start < 0 else start
        end = pos = match.end(1)
    if start < 0:
        return []
    return [_span(start, end, "ADDRESS", 0.65)]
