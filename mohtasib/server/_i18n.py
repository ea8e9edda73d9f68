"""The portal's interface text in English and Urdu (the public pages are bilingual).

Urdu pages are served at ``/ur/...`` or with ``?lang=ur`` and laid out right to
left (``<html lang="ur" dir="rtl">``). Card text comes from the cards' own ``en``
and ``ur`` fields; these strings are only the interface around it.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "text"]

#: Languages of the public pages, with their writing direction.
LANGUAGES: dict[str, str] = {"en": "ltr", "ur": "rtl"}

_TEXT: dict[str, dict[str, str]] = {
    "site": {"en": "mohtasib: oversight of police AI", "ur": "محتسب: پولیس مصنوعی ذہانت کی نگرانی"},
    "register": {"en": "Register", "ur": "رجسٹر"},
    "scorecards": {"en": "City scorecards", "ur": "شہروں کے اسکور کارڈ"},
    "reports": {"en": "Audit reports", "ur": "آڈٹ رپورٹس"},
    "ledger": {"en": "Access ledger", "ur": "رسائی کا رجسٹر"},
    "sign_in": {"en": "Sign in", "ur": "سائن ان"},
    "sign_out": {"en": "Sign out", "ur": "سائن آؤٹ"},
    "language": {"en": "اردو", "ur": "English"},
    "register_intro": {
        "en": "Police AI systems recorded in the transparency register (public fields only).",
        "ur": "شفافیت کے رجسٹر میں درج پولیس کے مصنوعی ذہانت کے نظام (صرف عوامی معلومات)۔",
    },
    "illustrative": {
        "en": "Illustrative example: not a description of a real deployment.",
        "ur": "فرضی مثال: کسی حقیقی نظام کی تفصیل نہیں۔",
    },
    "city": {"en": "City", "ur": "شہر"},
    "capability": {"en": "Capability", "ur": "صلاحیت"},
    "status": {"en": "Status", "ur": "حیثیت"},
    "any": {"en": "Any", "ur": "کوئی بھی"},
    "filter": {"en": "Filter", "ur": "چھانٹیں"},
    "system": {"en": "System", "ur": "نظام"},
    "agency": {"en": "Agency", "ur": "ادارہ"},
    "impact_level": {"en": "Impact level", "ur": "اثر کی سطح"},
    "no_systems": {"en": "No system matches.", "ur": "کوئی نظام نہیں ملا۔"},
    "description": {"en": "Description", "ur": "تفصیل"},
    "how_used": {"en": "How it is used", "ur": "استعمال کا طریقہ"},
    "why_used": {"en": "Why it is used", "ur": "استعمال کی وجہ"},
    "how_to_complain": {"en": "How to complain", "ur": "شکایت کا طریقہ"},
    "obligations": {"en": "Obligations", "ur": "ذمہ داریاں"},
    "public_fields": {"en": "All public fields", "ur": "تمام عوامی معلومات"},
    "assessment_none": {
        "en": "No impact assessment has been published.",
        "ur": "اثرات کا کوئی جائزہ شائع نہیں ہوا۔",
    },
    "reports_intro": {
        "en": "Published audit reports, served exactly as uploaded, with their SHA-256.",
        "ur": "شائع شدہ آڈٹ رپورٹس، بالکل ویسی ہی جیسی جمع کرائی گئیں، اپنے SHA-256 کے ساتھ۔",
    },
    "no_reports": {"en": "No report has been published.", "ur": "کوئی رپورٹ شائع نہیں ہوئی۔"},
    "title": {"en": "Title", "ur": "عنوان"},
    "published": {"en": "Uploaded", "ur": "تاریخ"},
    "ledger_intro": {
        "en": "The latest signed checkpoint of each log. Verify it yourself: trust no server.",
        "ur": (
            "ہر لاگ کا تازہ ترین دستخط شدہ چیک پوائنٹ۔ خود تصدیق کریں: کسی سرور پر بھروسہ نہ کریں۔"
        ),
    },
    "no_checkpoint": {"en": "No checkpoint yet.", "ur": "ابھی کوئی چیک پوائنٹ نہیں۔"},
    "verify_how": {"en": "How to verify", "ur": "تصدیق کا طریقہ"},
    "verifier_key": {"en": "Verifier key", "ur": "تصدیقی کلید"},
    "entries": {"en": "Entries", "ur": "اندراجات"},
    "scorecards_intro": {
        "en": "What the register and the ledger show for each city.",
        "ur": "ہر شہر کے لیے رجسٹر اور لاگ کیا دکھاتے ہیں۔",
    },
    "systems": {"en": "Systems", "ur": "نظام"},
    "cameras": {"en": "Cameras working / installed", "ur": "کام کرنے والے / نصب کیمرے"},
    "accesses": {"en": "Recorded accesses", "ur": "درج شدہ رسائیاں"},
    "denied": {"en": "denied", "ur": "مسترد"},
    "audits": {"en": "Audits", "ur": "آڈٹ"},
    "incidents": {"en": "Incidents", "ur": "واقعات"},
    "not_reported": {"en": "Not reported", "ur": "رپورٹ نہیں کیا گیا"},
    "denied_by_rule": {"en": "Denied, by rule", "ur": "مسترد، قاعدے کے لحاظ سے"},
    "by_authority": {
        "en": "Accesses by legal authority",
        "ur": "قانونی اختیار کے لحاظ سے رسائیاں",
    },
    "retention": {"en": "Retention compliance", "ur": "مدتِ محفوظ رکھنے کی پابندی"},
    "not_judged": {"en": "Not judged", "ur": "جانچا نہیں گیا"},
    "ledger_figures": {"en": "Figures from the access ledger", "ur": "رسائی کے رجسٹر کے اعداد"},
    "ledger_as_of": {
        "en": "Counted from the portal's ledger, entries read",
        "ur": "پورٹل کے رسائی رجسٹر سے شمار کیا گیا، پڑھے گئے اندراجات",
    },
    "as_of": {"en": "as of", "ur": "بتاریخ"},
    "unattributed": {
        "en": (
            "Accesses that cannot be attributed to a system (record body deleted by retention "
            "or not matching its leaf)"
        ),
        "ur": (
            "رسائیاں جو کسی نظام سے منسوب نہیں کی جا سکتیں (ریکارڈ مدت پوری ہونے پر حذف، "
            "یا اپنے لیف سے مطابقت نہیں رکھتا)"
        ),
    },
    "unregistered": {
        "en": "Accesses to systems not in the register",
        "ur": "رجسٹر سے باہر نظاموں تک رسائیاں",
    },
    "no_oversight_key": {
        "en": (
            "The oversight key is not on this server, so recorded accesses cannot be "
            "attributed to systems; the scorecards show the register's figures only."
        ),
        "ur": (
            "نگران ادارے کی کلید اس سرور پر نہیں، اس لیے درج رسائیاں نظاموں سے منسوب نہیں "
            "کی جا سکتیں؛ اسکور کارڈ صرف رجسٹر کے اعداد دکھاتے ہیں۔"
        ),
    },
    "retention_not_judged": {
        "en": (
            "Retention: an access whose record is still stored after the retention period in "
            "its system's card (technical.retention.period_days), as of the time above, is "
            "counted against the system. A record deleted late no longer names its system, so "
            "late deletions are judged only for the whole log (`mohtasib ledger stats --periods`)."
        ),
        "ur": (
            "مدتِ محفوظ رکھنے کی پابندی: جو رسائی نظام کے کارڈ میں درج مدت گزرنے کے بعد بھی "
            "محفوظ ہے وہ اس نظام کے خلاف شمار ہوتی ہے۔ تاخیر سے حذف شدہ ریکارڈ پورے لاگ کے لیے "
            "`mohtasib ledger stats --periods` سے جانچیں۔"
        ),
    },
    "retention_kept": {"en": "kept past the period", "ur": "مدت کے بعد بھی محفوظ"},
    "retention_met": {"en": "met", "ur": "پوری"},
}


def text(key: str, lang: str) -> str:
    """The interface string ``key`` in ``lang`` (English when Urdu is missing)."""
    entry = _TEXT.get(key)
    if entry is None:
        raise KeyError(f"no interface text {key!r}")
    return entry.get(lang) or entry["en"]
