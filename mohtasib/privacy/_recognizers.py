"""Presidio recognizers for Pakistani identifiers.

Each recognizer is a regular expression run on the raw text (Urdu digits already
normalised to ASCII, see :func:`mohtasib.privacy.find_pii`), a validator where one
exists (``phonenumbers`` for phones, ISO 7064 mod 97 for IBANs, :mod:`ipaddress`),
and context words looked up in a window around the match. Context raises the
score; for ``PASSPORT`` and ``NTN``, whose formats are too common to stand alone,
it is required. Matching is case-sensitive where case carries meaning (plates).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers

from mohtasib.privacy._nlp import EntityRecognizer, NlpArtifacts, RecognizerResult

__all__ = ["CNIC_PROVINCES", "cnic_province", "identifier_recognizers"]


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
    "JIT PDA SIM CAM CH LOT GPS EXT UAN FM AK MG CAT NTN SMS IMEI MB GB TB KB CD CG YBR GS"
)


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    score: float
    group: int = 0


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
        language: str = "en",
    ) -> None:
        self.entity = entity
        self.rules = tuple(rules)
        self.context_score = context_score
        self.window = window
        self.require_context = require_context
        words = "|".join(re.escape(w) for w in sorted(context, key=len, reverse=True))
        self._context = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.I) if context else None
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
        """Return the validated matches in ``text`` with their scores."""
        out: list[RecognizerResult] = []
        for rule in self.rules:
            for match in rule.regex.finditer(text):
                start, end = match.span(rule.group)
                if not self.validate(text[start:end]):
                    continue
                score = rule.score
                if self._context is not None and self._near_context(text, start, end):
                    score = max(score, self.context_score)
                elif self.require_context:
                    continue
                out.append(RecognizerResult(self.entity, start, end, score))
        return out

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


class _PhoneRecognizer(RegexRecognizer):
    def validate(self, value: str) -> bool:
        digits = re.sub(r"[^\d+]", "", value)
        try:
            number = phonenumbers.parse(digits, "PK")
        except phonenumbers.NumberParseException:
            return False
        return bool(
            phonenumbers.region_code_for_number(number) == "PK"
            and phonenumbers.is_valid_number(number)
        )


class _PlateRecognizer(RegexRecognizer):
    def validate(self, value: str) -> bool:
        letters = re.match(r"[A-Z]+", value)
        return letters is not None and letters.group(0) not in PLATE_DENY


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


def _rule(pattern: str, score: float, group: int = 0, flags: int = 0) -> _Rule:
    return _Rule(re.compile(pattern, flags), score, group)


_CNIC_CONTEXT = ("cnic", "nic", "nicop", "b-form", "id card", "identity card", "شناختی", "کارڈ")
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
    cnic = rf"(?<!\d)[1-8]\d{{4}}{_SEP}?\d{{7}}{_SEP}?\d(?!\d)"
    mobile = r"(?<![\w+])(?:(?:\+|00)\s?92[\s\-]?|0)3\d{2}[\s\-]?\d{3}[\s\-]?\d{4}(?!\d)"
    landline = r"(?<![\w+])(?:(?:\+|00)\s?92[\s\-]?\(?|\(?0)[1-9]\d{1,3}\)?[\s\-]?\d{5,8}(?!\d)"
    plate_end = r"(?![A-Za-z0-9/]|[.,]\d)"
    lead = r"(?<![A-Za-z0-9\-/])"
    plates = [
        _rule(rf"{lead}[A-Z]{{2,3}}[\s\-]?\d{{2}}[\s\-]\d{{1,4}}{plate_end}", 0.6),
        _rule(rf"{lead}[A-Z]{{2,3}}[\s\-]?\d{{1,4}}(?:\s?\(\d{{2}}\))?{plate_end}", 0.6),
        _rule(rf"{lead}[A-Z][\s\-]?\d{{1,4}}[\s\-](?:{_KP_DISTRICTS}){plate_end}", 0.8),
    ]
    fir = (
        r"(?:\bF\.?\s?I\.?\s?R\b\.?|\bCase\b|مقدمہ|ایف\s?آئی\s?آر)\s*"
        r"(?:No\.?|Number|#|نمبر)?\s*[:.\-]?\s*(\d{1,6}\s?/\s?\d{2,4})(?![\d/])"
    )
    return [
        RegexRecognizer(
            "CNIC",
            [_rule(cnic, 0.5), _rule(rf"(?<!\d)[1-8]\d{{4}}{_SEP}\d{{7}}{_SEP}\d(?!\d)", 0.75)],
            context=_CNIC_CONTEXT,
            language=language,
        ),
        _PhoneRecognizer(
            "PHONE_NUMBER",
            [_rule(mobile, 0.75), _rule(landline, 0.6)],
            context=_PHONE_CONTEXT,
            context_score=0.9,
            language=language,
        ),
        _PlateRecognizer("VEHICLE_PLATE", plates, context=_PLATE_CONTEXT, language=language),
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
        RegexRecognizer("FIR_NUMBER", [_rule(fir, 0.85, 1, re.I)], language=language),
        _IbanRecognizer(
            "IBAN",
            [_rule(r"(?<![A-Za-z0-9])PK\d{2}\s?[A-Z]{4}(?:\s?\d{4}){4}(?![A-Za-z0-9])", 0.9)],
            language=language,
        ),
        RegexRecognizer(
            "EMAIL_ADDRESS",
            [_rule(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}", 0.9)],
            language=language,
        ),
        _IpRecognizer(
            "IP_ADDRESS",
            [
                _rule(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])", 0.7),
                _rule(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])", 0.7),
            ],
            context=("ip", "ip address", "login", "server", "آئی پی"),
            language=language,
        ),
    ]
