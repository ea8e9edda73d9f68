"""Each recognizer finds its positives, ignores its look-alikes, and keeps offsets."""

from __future__ import annotations

import itertools

import pytest

from mohtasib.errors import ConfigError, InputError
from mohtasib.privacy import cnic_province, find_pii
from mohtasib.privacy._pii import MAX_DOCUMENT_CHARS


def found(text: str, entity: str) -> list[str]:
    return [text[s.start : s.end] for s in find_pii(text) if s.entity_type == entity]


POSITIVES = [
    ("CNIC", "CNIC 35202-1234567-1 produced", "35202-1234567-1"),
    ("CNIC", "CNIC 35202\u20131234567\u20131 produced", "35202\u20131234567\u20131"),
    ("CNIC", "CNIC 35202 1234567 1 produced", "35202 1234567 1"),
    ("CNIC", "NIC no 3520212345671 produced", "3520212345671"),
    ("PHONE_NUMBER", "cell 0300-1234567.", "0300-1234567"),
    ("PHONE_NUMBER", "call +92 321 7654321 now", "+92 321 7654321"),
    ("PHONE_NUMBER", "call 0092-345-1234567 now", "0092-345-1234567"),
    ("PHONE_NUMBER", "office 042-35761234 Lahore", "042-35761234"),
    ("PHONE_NUMBER", "office 051-2345678", "051-2345678"),
    ("VEHICLE_PLATE", "car LEA-1234 parked", "LEA-1234"),
    ("VEHICLE_PLATE", "car LEC-19-1234 parked", "LEC-19-1234"),
    ("VEHICLE_PLATE", "bike RIK 567 (21) parked", "RIK 567 (21)"),
    ("VEHICLE_PLATE", "ANPR read A 1234 PSH at gate", "A 1234 PSH"),
    ("PASSPORT", "Passport No. AB1234567 seized", "AB1234567"),
    ("NTN", "NTN 1234567-8 on file", "1234567-8"),
    ("FIR_NUMBER", "FIR No. 123/24 registered", "123/24"),
    ("FIR_NUMBER", "vide Case No. 45/2023", "45/2023"),
    ("FIR_NUMBER", "مقدمہ نمبر 123/24 درج", "123/24"),
    ("IBAN", "to PK36SCBL0000001123456702 on", "PK36SCBL0000001123456702"),
    ("EMAIL_ADDRESS", "mail asif.khan@example.pk.", "asif.khan@example.pk"),
    ("IP_ADDRESS", "login from 10.2.3.4 at", "10.2.3.4"),
    ("PERSON", "Accused Imran Butt s/o Tariq Khan fled", "Imran Butt"),
    ("PERSON", "Accused Imran Butt s/o Tariq Khan fled", "Tariq Khan"),
    ("PERSON", "statement of Mst. Sana Malik recorded", "Sana Malik"),
    ("PERSON", "ملزم محمد اسلم ولد غلام رسول فرار", "محمد اسلم"),
    ("PERSON", "ملزم محمد اسلم ولد غلام رسول فرار", "غلام رسول"),
    (
        "ADDRESS",
        "r/o House No. 12, Gali 4, Mohallah Islampura, Lahore. He",
        "House No. 12, Gali 4, Mohallah Islampura, Lahore",
    ),
    ("ADDRESS", "ساکن محلہ اسلام پورہ، لاہور نے بیان", "محلہ اسلام پورہ، لاہور"),
]


@pytest.mark.parametrize(("entity", "text", "value"), POSITIVES)
def test_recognizer_finds_positive(entity: str, text: str, value: str) -> None:
    assert value in found(text, entity)


NEGATIVES = [
    ("VEHICLE_PLATE", "booked u/s PPC 302 and 34"),
    ("VEHICLE_PLATE", "accident at KM 45 of the motorway"),
    ("VEHICLE_PLATE", "his motorcycle Honda CD-70 was"),
    ("VEHICLE_PLATE", "lea-1234 in lower case"),
    ("VEHICLE_PLATE", "Sector G-11/2 Islamabad"),
    ("PHONE_NUMBER", "receipt 0300-12345 issued"),
    ("PHONE_NUMBER", "ref 1234567890 and 12-03-2024"),
    ("PHONE_NUMBER", "amount Rs. 1,250,000"),
    ("CNIC", "IMEI 356789012345678 recorded"),
    ("CNIC", "case 9520212345671 invalid province"),
    ("PASSPORT", "code AB1234567 with no cue"),
    ("NTN", "challan 1234567-8 paid"),
    ("FIR_NUMBER", "u/s 302/34 PPC"),
    ("IP_ADDRESS", "time 10:22:13 and version 999.1.1.1"),
    ("PERSON", "Police Station Civil Lines, Lahore"),
]


@pytest.mark.parametrize(("entity", "text"), NEGATIVES)
def test_recognizer_ignores_lookalike(entity: str, text: str) -> None:
    assert found(text, entity) == []


def test_urdu_digits_keep_offsets() -> None:
    text = "شناختی کارڈ نمبر ۳۵۲۰۲-۱۲۳۴۵۶۷-۱ اور موبائل ۰۳۰۰-۱۲۳۴۵۶۷"
    spans = {s.entity_type: s for s in find_pii(text)}
    assert text[spans["CNIC"].start : spans["CNIC"].end] == "۳۵۲۰۲-۱۲۳۴۵۶۷-۱"
    assert text[spans["PHONE_NUMBER"].start : spans["PHONE_NUMBER"].end] == "۰۳۰۰-۱۲۳۴۵۶۷"


def test_cnic_context_raises_score() -> None:
    bare = find_pii("number 35202-1234567-1 noted")[0]
    cued = find_pii("CNIC 35202-1234567-1 noted")[0]
    assert cued.score > bare.score


def test_bare_thirteen_digits_need_cnic_context() -> None:
    assert found("challan No. 3520212345678 paid", "CNIC") == []
    assert found("parcel 4210112345678 delivered", "CNIC") == []
    assert found("NIC 4130412345671 shown", "CNIC") == ["4130412345671"]


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("frame 0345 6612093 dropped", "PHONE_NUMBER"),
        ("receipt 0300-1234567 filed", "PHONE_NUMBER"),
        ("camera model HK-2019 installed", "VEHICLE_PLATE"),
        ("relies on PLD 2017 SC 681 and 2019 SCMR 1362", "VEHICLE_PLATE"),
        ("examined PW-1 and PW-5 in court", "VEHICLE_PLATE"),
        ("site=BWP-01 t=2025", "VEHICLE_PLATE"),
        ("WATCHLIST HIT 2025-11-02 01:12", "VEHICLE_PLATE"),
        ("The Station House Officer came", "ADDRESS"),
    ],
)
def test_negative_context_and_look_alikes(text: str, entity: str) -> None:
    assert found(text, entity) == []


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("cam,2025-02-11 17:45:09,A 6640 PSH,0.91", "VEHICLE_PLATE", "A 6640 PSH"),
        ("QTA-RD-01,2025-02-12 09:01:44,QAD-221,0.89", "VEHICLE_PLATE", "QAD-221"),
        ("a black Vigo ICT-AF-909 was seen", "VEHICLE_PLATE", "ICT-AF-909"),
        ("posted from IP 182.185.44.21.", "IP_ADDRESS", "182.185.44.21"),
        ("Muqadma number 451/2025 darj hua", "FIR_NUMBER", "451/2025"),
        ("Mudai Ghulam Abbas walad Mehar Din sakin", "PERSON", "Ghulam Abbas"),
        ("ملزم Irfan ولد Rafiq سے", "PERSON", "Rafiq"),
        ("the accused Junaid Akbar be", "PERSON", "Junaid Akbar"),
        ("Shop No. 14, Anarkali Bazaar, Lahore", "ADDRESS", "Shop No. 14, Anarkali Bazaar, Lahore"),
    ],
)  # fmt: skip
def test_held_out_misses_fixed(text: str, entity: str, value: str) -> None:
    assert value in found(text, entity)


@pytest.mark.parametrize(
    ("value", "province"),
    [
        ("35202-1234567-1", "Punjab"),
        ("۴۲۱۰۱۱۲۳۴۵۶۷۸", "Sindh"),
        ("61101-1234567-1", "Islamabad Capital Territory"),
    ],
)
def test_cnic_province_decodes_first_digit(value: str, province: str) -> None:
    assert cnic_province(value) == province


def test_spans_do_not_overlap_and_are_sorted() -> None:
    spans = find_pii("Ali Khan s/o Bilal Shah r/o House No. 5, Gali 2, Lahore, cell 0300-1234567")
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
    assert spans[0].to_dict()["entity_type"] == "PERSON"


def test_language_en_skips_urdu_cues() -> None:
    assert found("ملزم محمد اسلم ولد غلام رسول", "PERSON")
    assert not [s for s in find_pii("ملزم محمد اسلم ولد غلام رسول", language="en")]


def test_unknown_language_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="language"):
        find_pii("text", language="fr")


def test_enormous_document_is_an_input_error() -> None:
    with pytest.raises(InputError, match="limit"):
        find_pii("a" * (MAX_DOCUMENT_CHARS + 1))
