"""Presidio recognizers for Pakistani identifiers.

Each recognizer is a regular expression run on the raw text (Urdu digits already
normalised to ASCII, see :func:`mohtasib.privacy.find_pii`), a validator where one
exists (``phonenumbers`` for phones, ISO 7064 mod 97 for IBANs, :mod:`ipaddress`),
and context words looked up in a window around the match. Context raises the
score; for ``PASSPORT`` and ``NTN``, whose formats are too common to stand alone,
it is required. Matching is case-sensitive where case carries meaning (plates).
Negative context words (a serial, frame, receipt or challan number; a model year) close
before a match drop it unless a positive context word is also near: the same window
technique turned round, for numbers that have the right shape but the wrong label.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import phonenumbers

from mohtasib.privacy._nlp import EntityRecognizer, NlpArtifacts, RecognizerResult

__all__ = [
    "CHARACTER_FIRST_PATTERNS",
    "CNIC_PROVINCES",
    "PLAIN_PATTERNS",
    "Found",
    "RegexRecognizer",
    "Screen",
    "cnic_province",
    "identifier_recognizers",
]

#: One match before it becomes a Presidio ``RecognizerResult``: (entity, start, end, score).
Found = tuple[str, int, int, float]
#: A pre-screen: given the text and its ``casefold()``, False only when the recognizer
#: certainly finds nothing (a necessary condition, far cheaper than the full patterns).
Screen = Callable[[str, str], bool]


def _always(text: str, folded: str) -> bool:
    return True


def _any_word(words: Sequence[str]) -> Screen:
    folded_words = tuple(w.casefold() for w in words)

    def screen(text: str, folded: str) -> bool:
        return any(w in folded for w in folded_words)

    return screen


def _has(pattern: str) -> Screen:
    search = re.compile(pattern).search

    def screen(text: str, folded: str) -> bool:
        return search(text) is not None

    return screen


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: First digit of a CNIC -> the province or territory of issue, as commonly documented
#: (NADRA publishes no official table). NICOP and B-form numbers share the format.
CNIC_PROVINCES: dict[str, str] = {
    "1": "Khyber Pakhtunkhwa",
    "2": "Federally Administered Tribal Areas (now Khyber Pakhtunkhwa)",
    "3": "Punjab",
    "4": "Sindh",
    "5": "Balochistan",
    "6": "Islamabad Capital Territory",
    "7": "Gilgit-Baltistan",
    "8": "Azad Jammu and Kashmir",
}

_SEP = r"[\-\u2010-\u2015\u2212 \u00a0]"  # hyphen, Unicode dashes, minus, space, no-break space
_KP_DISTRICTS = (
    "PSH|PR|MDN|ABT|SWT|KHT|DIK|BNU|NSR|CHD|SWB|HRP|MSH|LKM|TNK|DIR|MLK|BJR|KRK|HNG|BTG|CTL"
)
#: Letter groups that precede numbers in police text but are not plates.
PLATE_DENY: frozenset[str] = _words(
    "PPC CRPC CPC KM KMS PKR RS USD EUR SAR AED FIR NO ATA MPO QSO SHO ASI SI HC "
    "DSP SP SSP DPO CPO DIG IG IGP PS PK PIA NH GT AM PM AD BC ID TV UN ST MM CM KG "
    "FT HP CC CNG LPG PTI PML PPP MQM ANF FIA CTD NAB SEC ART ACT REF NIC PTA PTV "
    "JIT PDA SIM CAM CH LOT GPS EXT UAN FM AK MG CAT NTN SMS IMEI MB GB TB KB CD CG YBR GS "
    # Law-report citations (PLD 2017 SC 681, 2019 SCMR 1362), witness numbers (PW-1, DW-2),
    # canal reduced-distance marks (RD 112) and log words that precede numbers.
    "PLD SC SCMR YLR PCRLJ MLD CLC CLD PTD PLJ NLR KLR SCR PW DW CW RD HIT LOG"
)


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    score: float
    group: int = 0
    hint: re.Pattern[str] | None = None  # a necessary condition, checked on the fast path


class RegexRecognizer(EntityRecognizer):
    """A recognizer made of rules, a validator and context words.

    Parameters
    ----------
    entity
        The entity type reported.
    rules
        ``(pattern, score[, group])``: the span is the match or the given group.
    context
        Words whose presence within ``window`` characters raises the score to
        ``context_score`` (matched case-insensitively, on word boundaries).
    require_context
        Drop matches without a context word.
    negative
        Words that, within ``negative_window`` characters before a match and with no
        context word near, drop it (matched like ``context``).
    negative_window
        How far before a match the negative words are looked for.
    screen
        A necessary condition for any match (see :data:`Screen`), checked by
        :meth:`find` when it is given the folded text; with ``require_context`` the
        context words are part of it.
    language
        The Presidio language code this instance is registered for.
    """

    def __init__(
        self,
        entity: str,
        rules: Sequence[_Rule],
        *,
        context: Sequence[str] = (),
        context_score: float = 0.85,
        window: int = 40,
        require_context: bool = False,
        negative: Sequence[str] = (),
        negative_window: int = 16,
        screen: Screen = _always,
        language: str = "en",
    ) -> None:
        self.entity = entity
        self._screen = screen
        self._context_screen = _any_word(context) if require_context else _always
        # The screens worth calling (not the always-true default), for the fast path.
        self._screens = tuple(s for s in (screen, self._context_screen) if s is not _always)
        self.rules = tuple(rules)
        self.context_score = context_score
        self.window = window
        self.require_context = require_context
        words = "|".join(re.escape(w) for w in sorted(context, key=len, reverse=True))
        self._context = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.I) if context else None
        self.negative_window = negative_window
        bad = "|".join(re.escape(w) for w in sorted(negative, key=len, reverse=True))
        self._negative = re.compile(rf"(?<!\w)(?:{bad})(?!\w)", re.I) if negative else None
        super().__init__(
            supported_entities=[entity], name=f"mohtasib_{entity}", supported_language=language
        )

    def load(self) -> None:
        """Nothing to load."""

    def validate(self, value: str) -> bool:
        """Return whether a matched value is well formed (default: always)."""
        return True

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Return the validated matches in ``text`` with their scores (Presidio's API)."""
        return [RecognizerResult(e, start, end, score) for e, start, end, score in self.find(text)]

    def find(self, text: str, folded: str | None = None) -> list[Found]:
        """Return the validated matches as tuples, the engine-free fast path.

        Parameters
        ----------
        text
            The text (digits already normalised).
        folded
            ``text.casefold()``; when given, the pre-screen runs first and a text that
            fails it returns ``[]`` without running the patterns. The result is the same
            either way (the screen is a necessary condition).
        """
        if folded is not None:
            for screen in self._screens:
                if not screen(text, folded):
                    return []
        # A subclass's validator, or None for the always-true default (one call fewer).
        validate = None if type(self).validate is RegexRecognizer.validate else self.validate
        entity, context = self.entity, self._context
        out: list[Found] = []
        for rule in self.rules:
            if folded is not None and rule.hint is not None and not rule.hint.search(text):
                continue
            group, rule_score = rule.group, rule.score
            for match in rule.regex.finditer(text):
                start, end = match.span(group)
                if validate is not None and not validate(text[start:end]):
                    continue
                score = rule_score
                if context is not None and self._near_context(text, start, end):
                    score = max(score, self.context_score)
                elif self.require_context or self._near_negative(text, start):
                    continue
                out.append((entity, start, end, score))
        return out

    def _near_negative(self, text: str, start: int) -> bool:
        if self._negative is None:
            return False
        return bool(self._negative.search(text[max(0, start - self.negative_window) : start]))

    def _near_context(self, text: str, start: int, end: int) -> bool:
        assert self._context is not None
        before = text[max(0, start - self.window) : start]
        after = text[end : end + self.window // 2]
        return bool(self._context.search(before) or self._context.search(after))


def cnic_province(value: str) -> str | None:
    """Return the province a CNIC's first digit stands for, or None.

    Parameters
    ----------
    value
        A CNIC in any accepted layout (separators and Urdu digits are allowed).
    """
    digits = [c for c in value if c.isdigit()]
    return CNIC_PROVINCES.get(str(int(digits[0]))) if digits else None


_NOT_DIGIT = re.compile(r"\D")
_LETTERS = re.compile(r"[A-Z]+")
_SUFFIX = re.compile(r"[A-Z]+$")


@functools.lru_cache(maxsize=65_536)
def _valid_pk_national(national: int) -> bool:
    number = phonenumbers.PhoneNumber(country_code=92, national_number=national)
    return bool(phonenumbers.is_valid_number_for_region(number, "PK"))


class _PhoneRecognizer(RegexRecognizer):
    def validate(self, value: str) -> bool:
        # The patterns admit only "+92" / "0092" / "92" after "+", or a national "0",
        # before the digits: strip that prefix and ask phonenumbers' PK metadata about the
        # national number, as ``phonenumbers.parse(value, "PK")`` then ``is_valid_number``
        # would (equality with that reference is tested), without re-parsing the string.
        digits = _NOT_DIGIT.sub("", value)
        if value.lstrip().startswith("+"):
            national = digits[2:] if digits.startswith("92") else ""
        elif digits.startswith("0092"):
            national = digits[4:]
        elif digits.startswith("0") and not digits.startswith("00"):  # "00" + another country
            national = digits[1:]
        else:
            national = ""
        if not national or len(national) > 17:
            return False
        return _valid_pk_national(int(national))


class _PlateRecognizer(RegexRecognizer):
    def validate(self, value: str) -> bool:
        letters = _LETTERS.match(value)
        suffix = _SUFFIX.search(value)  # the district code of "A 1234 PSH"
        return (
            letters is not None
            and letters.group(0) not in PLATE_DENY
            and (suffix is None or suffix.group(0) not in PLATE_DENY)
        )


class _IbanRecognizer(RegexRecognizer):
    def validate(self, value: str) -> bool:
        compact = value.replace(" ", "")
        moved = compact[4:] + compact[:4]
        return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


class _IpRecognizer(RegexRecognizer):
    def validate(self, value: str) -> bool:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return False
        return True


_IPV4_HINT = re.compile(r"\d\.\d")
_FIR_HINT = re.compile(r"f\.?\s?i\.?\s?r|case|mu[qk]a?dd?a?ma|مقدمہ|ایف")
# Plate parts. Not followed by more of a word, a decimal or thousands part, or a date's "-MM";
# a plate's serial has no leading zero (a site "BWP-01" is no plate).
_PLATE_END = r"(?![A-Za-z0-9/]|\.\d|,\d{3}(?!\d)|[\-:]\d)"
_SERIAL = r"[1-9]\d{0,3}"
_LEAD = r"(?<![A-Za-z0-9\-/])"
_CAP = r"[A-Z](?<![A-Za-z0-9\-/][A-Z])"  # _LEAD + "[A-Z]", character first

#: Patterns that start with the character they consume and check what precedes it after
#: it ("[1-8](?<!\d[1-8])" for "(?<!\d)[1-8]"): the same matches as
#: :data:`PLAIN_PATTERNS`, but Python's re can then skip ahead to candidate characters
#: instead of trying a match at every position (a test checks that the two agree).
CHARACTER_FIRST_PATTERNS: dict[str, str] = {
    # 13 digits with at most one separator: too common (challans, parcels) to stand alone.
    "cnic": rf"[1-8](?<!\d[1-8])\d{{4}}{_SEP}?\d{{7}}{_SEP}?\d(?!\d)",
    "cnic_sep": rf"[1-8](?<!\d[1-8])\d{{4}}{_SEP}\d{{7}}{_SEP}\d(?!\d)",
    "mobile": (
        r"[+0](?<![\w+][+0])(?:(?<=\+)\s?92[\s\-]?|(?<=0)(?:0\s?92[\s\-]?)?)"
        r"3\d{2}[\s\-]?\d{3}[\s\-]?\d{4}(?!\d)"
    ),
    "landline": (
        r"[+0(](?<![\w+][+0(])"
        r"(?:(?<=\+)\s?92[\s\-]?\(?|(?<=0)0\s?92[\s\-]?\(?|(?<=\()0|(?<=0))"
        r"[1-9]\d{1,3}\)?[\s\-]?\d{5,8}(?!\d)"
    ),
    "ipv4": r"\d(?<![\d.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?!\d|\.\d)",
    "plate_year": rf"{_CAP}[A-Z]{{1,2}}[\s\-]?\d{{2}}[\s\-]{_SERIAL}{_PLATE_END}",
    "plate": rf"{_CAP}[A-Z]{{1,2}}[\s\-]?{_SERIAL}(?:\s?\(\d{{2}}\))?{_PLATE_END}",
    "plate_kp_district": rf"{_CAP}[\s\-]?{_SERIAL}[\s\-](?:{_KP_DISTRICTS})(?![A-Za-z0-9])",
    "plate_kp": rf"{_CAP}[\s\-]?{_SERIAL}[\s\-][A-Z]{{2,3}}(?![A-Za-z0-9])",
}
#: The lookbehind-first forms of the patterns written character-first in
#: :func:`identifier_recognizers` (same matches; kept for the equivalence test).
PLAIN_PATTERNS: dict[str, str] = {
    "cnic": r"(?<!\d)[1-8]\d{4}" + _SEP + r"?\d{7}" + _SEP + r"?\d(?!\d)",
    "cnic_sep": r"(?<!\d)[1-8]\d{4}" + _SEP + r"\d{7}" + _SEP + r"\d(?!\d)",
    "mobile": r"(?<![\w+])(?:(?:\+|00)\s?92[\s\-]?|0)3\d{2}[\s\-]?\d{3}[\s\-]?\d{4}(?!\d)",
    "landline": (r"(?<![\w+])(?:(?:\+|00)\s?92[\s\-]?\(?|\(?0)[1-9]\d{1,3}\)?[\s\-]?\d{5,8}(?!\d)"),
    "ipv4": r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)",
    "plate_year": rf"{_LEAD}[A-Z]{{2,3}}[\s\-]?\d{{2}}[\s\-]{_SERIAL}{_PLATE_END}",
    "plate": rf"{_LEAD}[A-Z]{{2,3}}[\s\-]?{_SERIAL}(?:\s?\(\d{{2}}\))?{_PLATE_END}",
    "plate_kp_district": rf"{_LEAD}[A-Z][\s\-]?{_SERIAL}[\s\-](?:{_KP_DISTRICTS})(?![A-Za-z0-9])",
    "plate_kp": rf"{_LEAD}[A-Z][\s\-]?{_SERIAL}[\s\-][A-Z]{{2,3}}(?![A-Za-z0-9])",
}


def _rule(
    pattern: str, score: float, group: int = 0, flags: int = 0, hint: str | None = None
) -> _Rule:
    return _Rule(re.compile(pattern, flags), score, group, re.compile(hint) if hint else None)


_CNIC_CONTEXT = ("cnic", "nic", "nicop", "b-form", "id card", "identity card", "شناختی", "کارڈ")
#: Words before a number that say it is some other reference, not a CNIC or phone.
_NUMBER_NEGATIVE = (
    "challan", "receipt", "invoice", "voucher", "tracking", "consignment", "serial", "frame",
    "page", "item code", "reference", "ref", "meter", "imei", "engine", "chassis", "khasra",
    "block code", "folio", "token", "ticket",
)  # fmt: skip
_PHONE_CONTEXT = ("phone", "mobile", "cell", "tel", "contact", "whatsapp", "call", "فون", "موبائل")
_PLATE_CONTEXT = (
    "vehicle", "car", "motorcycle", "motorbike", "bike", "rickshaw", "truck", "van", "bus",
    "plate", "registration", "reg", "anpr", "corolla", "civic", "mehran", "cultus", "alto",
    "honda", "suzuki", "toyota", "گاڑی", "موٹر", "سائیکل", "رکشہ", "پلیٹ", "رجسٹریشن",
)  # fmt: skip


def identifier_recognizers(language: str = "en") -> list[EntityRecognizer]:
    """Build the identifier recognizers (everything but PERSON and ADDRESS).

    Parameters
    ----------
    language
        The Presidio language code the instances are registered for.
    """
    cnic, cnic_sep, mobile, landline, ipv4 = (
        CHARACTER_FIRST_PATTERNS[k] for k in ("cnic", "cnic_sep", "mobile", "landline", "ipv4")
    )
    plate_end, serial, lead = _PLATE_END, _SERIAL, _LEAD
    kp = r"\d[\s\-][A-Z]{2}"  # "A 1234 PSH" holds a digit, a separator and two capitals
    plates = [
        _rule(CHARACTER_FIRST_PATTERNS["plate_year"], 0.6),
        _rule(CHARACTER_FIRST_PATTERNS["plate"], 0.6),
        # Islamabad's "ICT-AB-123".
        _rule(rf"{lead}ICT[\s\-]?[A-Z]{{1,2}}[\s\-]?{serial}{plate_end}", 0.8, hint="ICT"),
        # KP's "A 1234 PSH": a known district code scores higher than any other code.
        _rule(CHARACTER_FIRST_PATTERNS["plate_kp_district"], 0.8, hint=kp),
        _rule(CHARACTER_FIRST_PATTERNS["plate_kp"], 0.6, hint=kp),
    ]
    fir = (
        r"(?:\bF\.?\s?I\.?\s?R\b\.?|\bCase\b|\bMu[qk]a?dd?a?ma\b|مقدمہ|ایف\s?آئی\s?آر)\s*"
        r"(?:No\.?|Number|#|نمبر)?\s*[:.\-]?\s*(\d{1,6}\s?/\s?\d{2,4})(?![\d/])"
    )
    return [
        RegexRecognizer(
            "CNIC",
            [_rule(cnic, 0.3), _rule(cnic_sep, 0.75)],
            context=_CNIC_CONTEXT,
            negative=_NUMBER_NEGATIVE,
            screen=_has(r"\d{5}"),
            language=language,
        ),
        _PhoneRecognizer(
            "PHONE_NUMBER",
            [_rule(mobile, 0.75), _rule(landline, 0.6)],
            context=_PHONE_CONTEXT,
            context_score=0.9,
            negative=_NUMBER_NEGATIVE,
            screen=_has(r"\d{4}"),
            language=language,
        ),
        _PlateRecognizer(
            "VEHICLE_PLATE",
            plates,
            context=_PLATE_CONTEXT,
            negative=("model", "firmware", "version", "camera model"),
            negative_window=10,
            screen=_has(r"[A-Z][\s\-]?\d"),
            language=language,
        ),
        RegexRecognizer(
            "PASSPORT",
            [_rule(r"(?<![A-Za-z0-9])[A-Z]{2}\d{7}(?!\d)", 0.3)],
            context=("passport", "پاسپورٹ"),
            require_context=True,
            language=language,
        ),
        RegexRecognizer(
            "NTN",
            [_rule(r"(?<![\d\-])\d{7}-?\d(?![\d\-])", 0.3)],
            context=("ntn", "national tax", "tax number", "این ٹی این"),
            require_context=True,
            language=language,
        ),
        RegexRecognizer(
            "FIR_NUMBER",
            [_rule(fir, 0.85, 1, re.I)],
            screen=lambda text, folded: "/" in text and _FIR_HINT.search(folded) is not None,
            language=language,
        ),
        _IbanRecognizer(
            "IBAN",
            [_rule(r"(?<![A-Za-z0-9])PK\d{2}\s?[A-Z]{4}(?:\s?\d{4}){4}(?![A-Za-z0-9])", 0.9)],
            screen=lambda text, folded: "PK" in text,
            language=language,
        ),
        RegexRecognizer(
            "EMAIL_ADDRESS",
            [_rule(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}", 0.9)],
            screen=lambda text, folded: "@" in text,
            language=language,
        ),
        _IpRecognizer(
            "IP_ADDRESS",
            [
                _rule(ipv4, 0.7),
                _rule(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])", 0.7),
            ],
            context=("ip", "ip address", "login", "server", "آئی پی"),
            screen=lambda text, folded: _IPV4_HINT.search(text) is not None or text.count(":") >= 2,
            language=language,
        ),
    ]
