"""PERSON and ADDRESS from cue words, in English and Urdu.

Pakistani police text names people with their parentage and residence: "Muhammad
Asif s/o Abdul Rasheed r/o House No. 12, Gali 4, Lahore" or "محمد اسلم ولد غلام
رسول ساکن محلہ اسلام پورہ، لاہور". A name is the run of capitalised words (English,
at most four) or of Arabic-script words (Urdu, at most three) next to a parentage
cue (s/o, d/o, w/o, ولد، بنت، زوجہ; Roman Urdu walad, zauja, bint) or an alias, before
a residence cue (r/o), or after a title (Mr., Mst., مسمی) or a role word (complainant,
accused, witness, PW-1, SI; Roman Urdu mudai, mulzim, gawah; Urdu مدعی، ملزم، گواہ); an
address is what follows a residence cue (r/o, sakin, ساکن) or an address keyword (House,
Gali, Mohallah, Chak No., Street, Sector, Block, Shop, Basti; مکان نمبر، محلہ …), clause
by clause, until a word that cannot belong to an address. No statistical model is
involved: names without a cue are not found. This is the cue-word approach of
rule-based de-identification (Neamatullah et al. 2008, "Automated de-identification of
free-text medical records", BMC Med. Inform. Decis. Mak. 8:32, section "Methods").
"""

from __future__ import annotations

import re
from abc import abstractmethod

from mohtasib.privacy._nlp import EntityRecognizer, NlpArtifacts, RecognizerResult
from mohtasib.privacy._recognizers import Found

__all__ = ["CueAddressRecognizer", "CuePersonRecognizer", "CueRecognizer"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EN_WORD = r"[A-Z][a-z]+(?:-[A-Za-z][a-z]+)?"
_EN_NAME_AFTER = re.compile(rf"[ \t]*((?:{_EN_WORD})(?:[ \t]+{_EN_WORD}){{0,3}})")
_EN_REST = r"[a-z]+(?:-[A-Za-z][a-z]+)?"  # a name word after its capital
# "(?:W[ \t]+){0,3}W" with the capital that starts both alternatives pulled in front (same
# matches, same backtracking order), so re's search can skip ahead to capital letters.
_EN_NAME_BEFORE = re.compile(
    rf"([A-Z](?:{_EN_REST}[ \t]+(?:{_EN_WORD}[ \t]+){{0,2}}{_EN_WORD}|{_EN_REST}))[ \t]*,?[ \t]*$"
)
_EN_PARENTAGE = re.compile(
    r"(?<![\w/])(?:[SDWsdw][ \t]?/[ \t]?[Oo]\.?|son of|daughter of|wife of|"
    r"[Ww]alad|[Zz]auja|[Bb]int|alias|versus)(?!\w)"
)
#: Role words after which a capitalised run is a name; nothing is taken before them.
_EN_ROLE = re.compile(
    r"(?<![\w/])(?:[Cc]omplainant|[Aa]ccused|[Aa]pplicant|[Ii]nformant|[Pp]etitioner|"
    r"[Dd]eceased|[Ii]njured|[Ww]itness|[Dd]etenue|[Mm]udai(?:ya)?|[Mm]ulzim|[Gg]awah|"
    r"son|brother|nephew|PW-\d+|SI|ASI|HC|[Cc]onstable|name (?:is|of)|I,)(?!\w)[ \t]*:?"
)
#: Residence cues: the capitalised run before them is a name ("Omar Farooq r/o House 3").
_EN_BEFORE_RESIDENCE = re.compile(r"(?<![\w/])[Rr][ \t]?/[ \t]?[Oo]\.?(?!\w)")
_EN_TITLE = re.compile(r"(?<!\w)(?:Mr|Mrs|Ms|Mst|Miss|Dr|Mohtarma|Janab)\.?(?=[ \t])")
_EN_STOP = _words(
    "Complainant Accused Victim Witness Applicant Petitioner Respondent Driver "
    "Owner The One Namely Deceased Suspect Mr Mrs Ms Mst Miss Dr Sir Dear Subject "
    "Caste Qaum Police Station Inspector Constable Sub Informant Son Daughter Wife "
    "Resident House Gali Street Mohallah Chak Sector Block Road District Tehsil "
    "Village Mauza Cell Mobile Phone Age Aged Aka Alias Vehicle Motorcycle Car On "
    "At In And Of Who Sho Asi Case Fir Dated Date Injured Mudai Mudaiya Mulzim Gawah "
    "No Walad Sakin Zauja Province State Government Federation General Officer Station"
)

_UR_LETTERS = r"[^\W\d_A-Za-z]+"
_UR_PARENTAGE = re.compile(r"(?<!\w)(?:ولد|بنت|زوجہ|ولدیت|دختر)(?!\w)")
_UR_TITLE = re.compile(
    r"(?<!\w)(?:مسمی|مسمیٰ|مسماۃ|مسمات|مسمّی|جناب|محترمہ|مدعی|مدعیہ|ملزم|گواہ|مقتول|زخمی|سائل|سائلہ|"
    r"لڑکا|لڑکی)(?!\w)"
)
_UR_STOP = _words(
    "فرار گرفتار موقع زخمی ہمراہ ملزم ملزمان مدعی مدعیہ مسمی مسمیٰ مسماۃ نامی "
    "کہ نے کو کا کی کے میں سے اور ہے "
    "ہیں تھا تھی مقتول مضروب گواہ سائل سائلہ درخواست گزار بیان کیا جناب محترم "
    "محترمہ بنام من ڈرائیور مالک ولد بنت زوجہ ولدیت دختر ساکن سکنہ رہائشی قوم عمر "
    "سال پر بھی جو یہ وہ ایک شناختی کارڈ کاغذات دہندہ عالی ایس ایچ او صاحب ہوں موجود نہ نہیں"
)
_UR_WORD = re.compile(_UR_LETTERS)
_UR_NEXT = re.compile(rf"[ \t]*({_UR_LETTERS})")
_UR_PREV = re.compile(rf"(?<!\w)({_UR_LETTERS})[ \t]*$")

_EN_RESIDENCE = re.compile(
    r"(?<![\w/])(?:[Rr][ \t]?/[ \t]?[Oo]\.?|resident of|residing at|[Ss]akin|[Ss]akna)(?!\w)[ \t:]*"
)
_EN_ADDRESS_START = re.compile(
    r"(?<!\w)(?:House|H\.[ \t]?No\.|Gali|Street|Mohallah|Mohalla|Chak|Sector|Block|Plot|Flat|"
    r"Shop|Basti)(?!\w)"
)
_EN_TOKEN = r"(?:No\.|St\.|Rd\.|H\.|no\.?|[A-Z0-9][\w'\-/#]*)"
_EN_CHUNK = re.compile(rf"[ \t]*({_EN_TOKEN}(?:[ \t]+{_EN_TOKEN}){{0,6}})")
_EN_ADDRESS_STOP = _words(
    "Cell Mobile Phone Ph Tel Contact CNIC NIC Vehicle Reg FIR Case Email Dated "
    "Date On At Who The In Complainant Accused Caste Age Aged Police PS Under U/S "
    "Vide Officer"
)
_UR_RESIDENCE = re.compile(r"(?<!\w)(?:ساکن|سکنہ|رہائشی|پتہ)(?!\w)[ \t:]*")
_UR_ADDRESS_START = re.compile(r"(?<!\w)(?:مکان نمبر|گلی نمبر|محلہ|چک نمبر|سیکٹر|بلاک|موضع)(?!\w)")
_UR_ADDRESS_TOKEN = re.compile(r"[ \t]*[،,]?[ \t]*([^\W_]+(?:[\-/][^\W_]+)*)")
_ASCII_DIGIT = re.compile("[0-9]")
_UR_ADDRESS_STOP = _UR_STOP | _words("تھانہ تھانے بروز مورخہ موبائل فون شناختی")


def _span(start: int, end: int, entity: str, score: float) -> Found:
    return (entity, start, end, score)


_COMMA = re.compile(r"[ \t]*,")
#: "s/o", "d/o", "w/o", "r/o" all contain this; its literal "/" lets re skip ahead fast.
_SLASH_O = re.compile(r"/[ \t]?[Oo]")


def _any_in(haystack: str, needles: tuple[str, ...]) -> bool:
    return any(n in haystack for n in needles)


# Pre-screens: each cue pattern can only match where one of these substrings occurs (in
# the text, or in its casefold() for case-insensitive parts), so a text without any of
# them skips that pattern's scan. They are necessary conditions: the result is unchanged.
_PARENTAGE_WORDS = ("son of", "daughter of", "wife of", "walad", "zauja", "bint", "alias", "versus")
_TITLE_WORDS = ("mr", "ms", "miss", "dr", "mohtarma", "janab")
_ROLE_FOLDED = (
    "complainant", "accused", "applicant", "informant", "petitioner", "deceased", "injured",
    "witness", "detenue", "mudai", "mulzim", "gawah", "son", "brother", "nephew", "constable",
    "name is", "name of",
)  # fmt: skip
_ROLE_EXACT = ("PW-", "SI", "HC", "I,")
_RESIDENCE_WORDS = ("resident of", "residing at", "sakin", "sakna")
_UR_PARENTAGE_WORDS = ("ولد", "بنت", "زوجہ", "دختر")
_UR_TITLE_WORDS = (
    "مسم", "جناب", "محترمہ", "مدعی", "ملزم", "گواہ", "مقتول", "زخمی", "سائل", "لڑکا", "لڑکی",
)  # fmt: skip
_UR_RESIDENCE_WORDS = ("ساکن", "سکنہ", "رہائشی", "پتہ")
_UR_ADDRESS_WORDS = ("مکان نمبر", "گلی نمبر", "محلہ", "چک نمبر", "سیکٹر", "بلاک", "موضع")
_ADDRESS_WORDS = (
    "House", "H.", "Gali", "Street", "Mohalla", "Chak", "Sector", "Block", "Plot", "Flat",
    "Shop", "Basti",
)  # fmt: skip


class CueRecognizer(EntityRecognizer):
    """A Presidio recognizer driven by cue words; subclasses define :meth:`find`.

    Parameters
    ----------
    entity
        The entity type reported.
    urdu
        Also apply the Urdu cues.
    language
        The Presidio language code this instance is registered for.
    """

    def __init__(self, entity: str, *, urdu: bool, language: str) -> None:
        self.urdu = urdu
        super().__init__(
            supported_entities=[entity], name=f"mohtasib_cue_{entity}", supported_language=language
        )

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Return the spans found next to cues (Presidio's API)."""
        return [RecognizerResult(e, start, end, score) for e, start, end, score in self.find(text)]

    @abstractmethod
    def find(self, text: str, folded: str | None = None) -> list[Found]:
        """Return the spans as tuples; with ``folded`` (``text.casefold()``), pre-screened.

        Parameters
        ----------
        text
            The text (digits already normalised).
        folded
            When given, cue patterns whose cue substrings are absent are not run; the
            result is the same either way.
        """


class CuePersonRecognizer(CueRecognizer):
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

    def find(self, text: str, folded: str | None = None) -> list[Found]:
        """Return the names found next to cues (see :meth:`CueRecognizer.find`)."""
        out: list[Found] = []
        screen = folded is not None
        f = folded or ""
        slash = "/" in text and _SLASH_O.search(text) is not None
        if not screen or slash or _any_in(f, _PARENTAGE_WORDS):
            for cue in _EN_PARENTAGE.finditer(text):
                out += _en_before(text, cue.start()) + _en_after(text, cue.end())
        if not screen or _any_in(f, _TITLE_WORDS):
            for cue in _EN_TITLE.finditer(text):
                out += _en_after(text, cue.end())
        if not screen or _any_in(f, _ROLE_FOLDED) or _any_in(text, _ROLE_EXACT):
            for cue in _EN_ROLE.finditer(text):
                out += _en_after(text, cue.end())
        if not screen or slash:
            for cue in _EN_BEFORE_RESIDENCE.finditer(text):
                out += _en_before(text, cue.start())
        if self.urdu and _UR_WORD.search(text):
            for cue in (
                _UR_PARENTAGE.finditer(text)
                if not screen or _any_in(text, _UR_PARENTAGE_WORDS)
                else ()
            ):
                out += _ur_words(text, cue.start(), backward=True)
                out += _ur_words(text, cue.end(), backward=False)
                # Mixed script: Latin names around an Urdu cue ("Irfan ولد Rafiq").
                out += _en_before(text, cue.start()) + _en_after(text, cue.end())
            for cue in (
                _UR_TITLE.finditer(text) if not screen or _any_in(text, _UR_TITLE_WORDS) else ()
            ):
                out += _ur_words(text, cue.end(), backward=False)
        return out


def _en_after(text: str, pos: int) -> list[Found]:
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


def _en_before(text: str, pos: int) -> list[Found]:
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


def _ur_words(text: str, pos: int, *, backward: bool) -> list[Found]:
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


class CueAddressRecognizer(CueRecognizer):
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

    def find(self, text: str, folded: str | None = None) -> list[Found]:
        """Return the addresses found after cues or keywords (see :meth:`CueRecognizer.find`)."""
        out: list[Found] = []
        screen = folded is not None
        if not screen or _SLASH_O.search(text) or _any_in(folded or "", _RESIDENCE_WORDS):
            for cue in _EN_RESIDENCE.finditer(text):
                out += _en_address(text, cue.end(), min_tokens=1)
        if not screen or _any_in(text, _ADDRESS_WORDS):
            for cue in _EN_ADDRESS_START.finditer(text):
                out += _en_address(text, cue.start(), min_tokens=2)
        if self.urdu and _UR_WORD.search(text):
            for cue in (
                _UR_RESIDENCE.finditer(text)
                if not screen or _any_in(text, _UR_RESIDENCE_WORDS)
                else ()
            ):
                out += _ur_address(text, cue.end())
            for cue in (
                _UR_ADDRESS_START.finditer(text)
                if not screen or _any_in(text, _UR_ADDRESS_WORDS)
                else ()
            ):
                out += _ur_address(text, cue.start())
        return out


def _en_address(text: str, pos: int, *, min_tokens: int) -> list[Found]:
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
        comma = _COMMA.match(text, end, end + 8)
        if keep < len(words) or comma is None:
            break
        pos = comma.end()
    if start < 0 or tokens < min_tokens:
        return []
    return [_span(start, end, "ADDRESS", 0.65)]


def _ur_address(text: str, pos: int) -> list[Found]:
    start = end = -1
    for _ in range(14):  # contiguous tokens only: match at pos, never search beyond it
        match = _UR_ADDRESS_TOKEN.match(text, pos)
        if match is None:
            break
        token = match.group(1)
        if token in _UR_ADDRESS_STOP or (token.isascii() and _ASCII_DIGIT.search(token) is None):
            break  # a stop word, or a Latin word (no digit), ends an Urdu address
        start = match.start(1) if start < 0 else start
        end = pos = match.end(1)
    if start < 0:
        return []
    return [_span(start, end, "ADDRESS", 0.65)]
