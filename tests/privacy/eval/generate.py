"""Write the SYNTHETIC PII evaluation set: ``tests/privacy/eval/snippets.jsonl``.

Every snippet is GENERATED from templates, invented names (common Pakistani given
names and family names, combined at random) and invented numbers: no real person,
record or number is used. Each line is ``{"id", "kind", "language", "synthetic": true,
"text", "spans": [{"entity_type", "start", "end"}]}``. Run ``python
tests/privacy/eval/generate.py`` to rebuild it; the seed makes it reproducible.
"""

# ruff: noqa: E501  -- word lists and templates read better on one line each.
from __future__ import annotations

import json
import random
from pathlib import Path

import phonenumbers

SEED = 20250601
OUT = Path(__file__).with_name("snippets.jsonl")
URDU_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

GIVEN = [
    "Muhammad",
    "Ahmed",
    "Ali",
    "Asif",
    "Imran",
    "Bilal",
    "Kashif",
    "Naveed",
    "Tariq",
    "Zahid",
    "Shahid",
    "Waqas",
    "Usman",
    "Hamza",
    "Faisal",
    "Adnan",
    "Rizwan",
    "Sajid",
    "Khalid",
    "Nadeem",
    "Arshad",
    "Aslam",
    "Akram",
    "Javed",
    "Saleem",
    "Sohail",
]
FAMILY = [
    "Khan",
    "Butt",
    "Malik",
    "Qureshi",
    "Chaudhry",
    "Sheikh",
    "Abbasi",
    "Awan",
    "Raza",
    "Rasheed",
    "Hussain",
    "Iqbal",
    "Rehman",
    "Shah",
    "Jutt",
    "Gondal",
    "Baloch",
    "Memon",
    "Afridi",
    "Yousafzai",
]
WOMEN = [
    "Ayesha",
    "Fatima",
    "Sana",
    "Nazia",
    "Rubina",
    "Shazia",
    "Kiran",
    "Saima",
    "Bushra",
    "Samina",
]
UR_GIVEN = [
    "محمد",
    "احمد",
    "علی",
    "آصف",
    "عمران",
    "بلال",
    "کاشف",
    "نوید",
    "طارق",
    "زاہد",
    "شاہد",
    "وقاص",
    "عثمان",
    "حمزہ",
    "فیصل",
]
UR_FAMILY = [
    "خان",
    "بٹ",
    "ملک",
    "قریشی",
    "چوہدری",
    "شیخ",
    "عباسی",
    "اعوان",
    "رضا",
    "رشید",
    "حسین",
    "اقبال",
    "رحمان",
    "شاہ",
]
UR_WOMEN = ["عائشہ", "فاطمہ", "ثنا", "نازیہ", "روبینہ", "شازیہ", "کرن", "صائمہ"]
CITIES = [
    "Lahore",
    "Karachi",
    "Islamabad",
    "Rawalpindi",
    "Peshawar",
    "Quetta",
    "Faisalabad",
    "Multan",
    "Sialkot",
    "Gujranwala",
]
UR_CITIES = [
    "لاہور",
    "کراچی",
    "اسلام",
    "آباد",
    "راولپنڈی",
    "پشاور",
    "کوئٹہ",
    "فیصل",
    "آباد",
    "ملتان",
]
MOHALLAHS = [
    "Islampura",
    "Samanabad",
    "Gulberg",
    "Shadman",
    "Ichhra",
    "Gawalmandi",
    "Mozang",
    "Baghbanpura",
]
UR_MOHALLAHS = ["اسلام", "پورہ", "سمن", "آباد", "گلبرگ", "شادمان", "اچھرہ", "موزنگ"]
SERIES = [
    "LEA",
    "LEB",
    "LEC",
    "LED",
    "LEZ",
    "RIK",
    "RIL",
    "FDA",
    "FDB",
    "MNA",
    "GAA",
    "SKA",
    "BKA",
    "AYK",
    "AWK",
    "BSK",
    "IDA",
    "IDB",
    "QAB",
    "QAC",
    "GLT",
    "AJK",
    "MRP",
]
KP = ["PSH", "MDN", "ABT", "SWT", "KHT", "DIK", "BNU", "NSR"]
BANKS = ["SCBL", "HABB", "MUCB", "UNIL", "ALFH", "MEZN", "BAHL", "NBPA"]
PS = [
    "Civil Lines",
    "Model Town",
    "Gulberg",
    "Saddar",
    "Kotwali",
    "Shalimar",
    "Race Course",
    "Garden Town",
]
NEGATIVES = [
    "u/s 302/34 PPC", "u/s 379 PPC", "under section 324 PPC", "PPC 302", "KM 45", "at KM 212",
    "Rs. 50,000", "Rs 1,250,000", "on 12-03-2024", "dated 2024-03-01", "at 22:15 hrs",
    "Honda CD-70", "Honda CG-125", "Yamaha YBR 125", "Suzuki GS-150", "HC 1234", "ASI 12",
    "MPO 16", "ATA 7", "receipt 0300123", "ref 1234567890", "IMEI 356789012345678",
    "challan 3520212", "room 0421", "PKR 5000", "30 bore pistol", "batch 12-3456-7",
]  # fmt: skip


class Snippet:
    """Text built from pieces, with gold spans."""

    def __init__(self) -> None:
        self.text = ""
        self.spans: list[dict[str, object]] = []

    def add(self, piece: str, entity: str | None = None) -> Snippet:
        start = len(self.text)
        self.text += piece
        if entity is not None:
            self.spans.append({"entity_type": entity, "start": start, "end": len(self.text)})
        return self


def cnic(rng: random.Random, *, urdu: bool = False) -> str:
    a = f"{rng.randint(1, 8)}{rng.randint(0, 9999):04d}"
    b, c = f"{rng.randint(0, 9999999):07d}", str(rng.randint(0, 9))
    sep = rng.choice(["-", "-", "-", "\u2013", " ", ""])
    value = f"{a}{sep}{b}{sep}{c}"
    return value.translate(URDU_DIGITS) if urdu else value


def phone(rng: random.Random, *, urdu: bool = False) -> str:
    while True:
        if rng.random() < 0.75:
            op, sub = f"3{rng.randint(0, 4)}{rng.randint(0, 9)}", f"{rng.randint(0, 9999999):07d}"
            value = rng.choice(
                [f"0{op}-{sub}", f"0{op}{sub}", f"+92 {op} {sub}", f"+92{op}{sub}",
                 f"0092-{op}-{sub}", f"0{op} {sub[:3]} {sub[3:]}"]
            )  # fmt: skip
        else:
            area, n = rng.choice([("42", 8), ("21", 8), ("51", 7), ("91", 7), ("81", 7), ("41", 7)])
            sub = str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))
            value = rng.choice([f"0{area}-{sub}", f"+92 {area} {sub}", f"(0{area}) {sub}"])
        number = phonenumbers.parse(value.replace("(", "").replace(")", ""), "PK")
        if phonenumbers.is_valid_number(number):
            return value.translate(URDU_DIGITS) if urdu else value


def plate(rng: random.Random) -> str:
    n = rng.randint(1, 9999)
    series = rng.choice(SERIES)
    return rng.choice(
        [f"{series}-{n}", f"{series} {n}", f"{series}-{rng.randint(5, 24):02d}-{n}",
         f"{series}-{n} ({rng.randint(5, 24):02d})", f"{rng.choice('ABCDEFG')} {n} {rng.choice(KP)}",
         f"{rng.choice('ABCDEFG')}-{n} {rng.choice(KP)}"]
    )  # fmt: skip


def iban(rng: random.Random) -> str:
    bban = rng.choice(BANKS) + "".join(str(rng.randint(0, 9)) for _ in range(16))
    digits = "".join(str(int(c, 36)) for c in bban + "PK00")
    return f"PK{98 - int(digits) % 97:02d}{bban}"


def person(rng: random.Random, *, urdu: bool = False, woman: bool = False) -> str:
    if urdu:
        return f"{rng.choice(UR_WOMEN if woman else UR_GIVEN)} {rng.choice(UR_FAMILY)}"
    given = rng.choice(WOMEN) if woman else rng.choice(GIVEN)
    extra = [rng.choice(GIVEN)] if rng.random() < 0.3 and not woman else []
    return " ".join([given, *extra, rng.choice(FAMILY)])


def address(rng: random.Random, *, urdu: bool = False) -> str:
    if urdu:
        house, gali = str(rng.randint(1, 999)).translate(URDU_DIGITS), rng.randint(1, 40)
        return f"مکان نمبر {house}، گلی نمبر {str(gali).translate(URDU_DIGITS)}، محلہ {rng.choice(UR_MOHALLAHS)}، {rng.choice(UR_CITIES)}"
    city = rng.choice(CITIES)
    return rng.choice(
        [f"House No. {rng.randint(1, 999)}, Gali {rng.randint(1, 40)}, Mohallah {rng.choice(MOHALLAHS)}, {city}",
         f"Chak No. {rng.randint(1, 600)} GB, Tehsil Jaranwala, District Faisalabad",
         f"Street {rng.randint(1, 90)}, Sector G-{rng.randint(6, 15)}/{rng.randint(1, 4)}, Islamabad",
         f"Flat {rng.randint(1, 40)}, Block {rng.choice('ABCDEF')}, Gulshan-e-Iqbal, Karachi"]
    )  # fmt: skip


def neg(rng: random.Random) -> str:
    return rng.choice(NEGATIVES)


def fir_no(rng: random.Random) -> str:
    return f"{rng.randint(1, 2500)}/{rng.choice(['23', '24', '25', '2023', '2024'])}"


def fir_english(rng: random.Random) -> Snippet:
    s = Snippet().add(rng.choice(["Complainant ", "Applicant ", "Mr. "])).add(person(rng), "PERSON")
    s.add(" s/o ").add(person(rng), "PERSON").add(" r/o ").add(address(rng), "ADDRESS")
    s.add(", CNIC ").add(cnic(rng), "CNIC").add(", Cell No. ").add(phone(rng), "PHONE_NUMBER")
    model = rng.choice(["Honda CD-70", "Honda CG-125", "Yamaha YBR 125", "Suzuki GS-150"])
    s.add(f" stated that on 12-03-2024 at about 21:30 hrs his motorcycle {model} bearing ")
    s.add("registration No. ").add(plate(rng), "VEHICLE_PLATE")
    s.add(f" was snatched at gunpoint near {neg(rng)}. FIR No. ").add(fir_no(rng), "FIR_NUMBER")
    return s.add(f" registered {neg(rng)} at PS {rng.choice(PS)}.")


def anpr_line(rng: random.Random) -> Snippet:
    s = Snippet().add(
        f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T1{rng.randint(0, 9)}:22:13+05:00 "
    )
    s.add(f"CAM-LHR-0{rng.randint(10, 99)} PLATE=").add(plate(rng), "VEHICLE_PLATE")
    s.add(f" CONF=0.{rng.randint(50, 99)} SPEED={rng.randint(20, 120)} LANE={rng.randint(1, 4)}")
    if rng.random() < 0.3:
        s.add(" SRC=").add(
            f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", "IP_ADDRESS"
        )
    return s.add(f" NOTE={neg(rng)}")


def case_note(rng: random.Random) -> Snippet:
    s = Snippet().add("Case No. ").add(fir_no(rng), "FIR_NUMBER").add(". Statement of Mst. ")
    s.add(person(rng, woman=True), "PERSON").add(" w/o ").add(person(rng), "PERSON")
    s.add(f" recorded. Recovered {neg(rng)} and a phone, {neg(rng)}. Passport No. ")
    s.add(f"{rng.choice(['AB', 'CD', 'KP', 'LR', 'QT'])}{rng.randint(0, 9999999):07d}", "PASSPORT")
    s.add(" and NTN ").add(f"{rng.randint(0, 9999999):07d}-{rng.randint(0, 9)}", "NTN")
    s.add(" noted. Funds moved to ").add(iban(rng), "IBAN").add(f" on {neg(rng)}.")
    return s


def complaint(rng: random.Random) -> Snippet:
    s = Snippet().add(f"To, The SHO, Police Station {rng.choice(PS)}. Subject: harassment. I, ")
    s.add(person(rng), "PERSON").add(" d/o ").add(person(rng), "PERSON").add(", resident of ")
    s.add(address(rng), "ADDRESS").add(", CNIC No. ").add(cnic(rng), "CNIC")
    s.add(f", state that calls came from {neg(rng)} and ").add(phone(rng), "PHONE_NUMBER")
    user = f"{rng.choice(GIVEN).lower()}.{rng.choice(FAMILY).lower()}{rng.randint(1, 99)}"
    s.add(". Reply to ").add(
        f"{user}@{rng.choice(['gmail.com', 'yahoo.com', 'pta.gov.pk'])}", "EMAIL_ADDRESS"
    )
    return s.add(".")


def fir_urdu(rng: random.Random) -> Snippet:
    s = Snippet().add(rng.choice(["مدعی ", "ملزم ", "مسمی "])).add(person(rng, urdu=True), "PERSON")
    s.add(" ولد ").add(person(rng, urdu=True), "PERSON").add(" ساکن ").add(
        address(rng, urdu=True), "ADDRESS"
    )
    s.add(" نے بیان کیا کہ میری موٹر سائیکل نمبر ").add(plate(rng), "VEHICLE_PLATE")
    s.add(" چوری ہو گئی۔ شناختی کارڈ نمبر ").add(cnic(rng, urdu=rng.random() < 0.6), "CNIC")
    s.add(" موبائل نمبر ").add(phone(rng, urdu=rng.random() < 0.5), "PHONE_NUMBER")
    s.add("۔ مقدمہ نمبر ").add(fir_no(rng).translate(URDU_DIGITS), "FIR_NUMBER")
    return s.add(f" بجرم ۳۷۹ ت پ درج کیا گیا۔ رقم {rng.randint(1, 99)},000 روپے۔")


def mixed(rng: random.Random) -> Snippet:
    s = Snippet().add("Accused ").add(person(rng), "PERSON").add(" s/o ").add(person(rng), "PERSON")
    s.add(" ساکن ").add(address(rng, urdu=True), "ADDRESS")
    s.add(" کو گرفتار کیا گیا۔ Vehicle ").add(plate(rng), "VEHICLE_PLATE")
    s.add(f" impounded, {neg(rng)}. CNIC ").add(cnic(rng), "CNIC").add(" ، فون ")
    return s.add(phone(rng), "PHONE_NUMBER").add(f"۔ {neg(rng)}")


def negatives_only(rng: random.Random) -> Snippet:
    parts = [neg(rng) for _ in range(4)]
    return Snippet().add(f"Daily diary: {parts[0]}; {parts[1]}; patrol at {parts[2]}; {parts[3]}.")


KINDS = [
    (fir_english, "fir", "en"), (anpr_line, "anpr", "en"), (case_note, "case_note", "en"),
    (complaint, "complaint", "en"), (fir_urdu, "fir", "ur"), (mixed, "case_note", "mixed"),
    (negatives_only, "diary", "en"),
]  # fmt: skip


def generate(n: int = 560, seed: int = SEED) -> list[dict[str, object]]:
    """Return ``n`` labelled SYNTHETIC snippets."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        make, kind, language = KINDS[i % len(KINDS)]
        s = make(rng)
        out.append(
            {"id": f"syn-{i:04d}", "kind": kind, "language": language, "synthetic": True,
             "text": s.text, "spans": s.spans}
        )  # fmt: skip
    return out


def main() -> None:
    """Write :data:`OUT`."""
    with OUT.open("w", encoding="utf-8") as f:
        for row in generate():
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {OUT} (SYNTHETIC)")


if __name__ == "__main__":
    main()
