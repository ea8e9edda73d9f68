"""The portal's interface text in English and Urdu (every page, public or signed in).

Urdu pages are served at ``/ur/...`` or with ``?lang=ur`` and laid out right to
left (``<html lang="ur" dir="rtl">``). Card text comes from the cards' own ``en``
and ``ur`` fields; these strings are only the interface around it. A string may
hold ``{name}`` fields, filled with :meth:`str.format` (the same in both languages).
:data:`RULES` explains each rule id of the ledger's access policy
(:mod:`mohtasib.ledger._policy`) in both languages, for a denied request.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "RULES", "rule_text", "text"]

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
        "en": "Accesses that cannot be attributed to a system",
        "ur": "رسائیاں جو کسی نظام سے منسوب نہیں کی جا سکتیں",
    },
    "unattributed_missing": {
        "en": "record body deleted by retention",
        "ur": "ریکارڈ مدت پوری ہونے پر حذف",
    },
    "unattributed_mismatch": {
        "en": "record body not matching its leaf (a finding)",
        "ur": "ریکارڈ اپنے لیف سے مطابقت نہیں رکھتا (ایک بے ضابطگی)",
    },
    "unattributed_elsewhere": {
        "en": (
            "sealed to an oversight key not held by this server (after a key rotation; "
            "the oversight body opens these with its own key)"
        ),
        "ur": (
            "نگران ادارے کی ایسی کلید پر مہر شدہ جو اس سرور پر نہیں (کلید بدلنے کے بعد؛ "
            "نگران ادارہ انہیں اپنی کلید سے کھولتا ہے)"
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
            "counted against the system, and so is a record deleted after that period ended "
            "(by the deletion time its tombstone commits to). A deleted record no longer names "
            "its system, so a deletion is attributed only when this server read the record "
            "before it was deleted; otherwise late deletions are judged only for the whole log "
            "(`mohtasib ledger stats --periods`)."
        ),
        "ur": (
            "مدتِ محفوظ رکھنے کی پابندی: جو رسائی نظام کے کارڈ میں درج مدت گزرنے کے بعد بھی "
            "محفوظ ہے وہ اس نظام کے خلاف شمار ہوتی ہے، اور وہ ریکارڈ بھی جو یہ مدت ختم ہونے کے "
            "بعد حذف ہوا (حذف کے نشان میں درج وقت کے مطابق)۔ حذف شدہ ریکارڈ اپنے نظام کا نام "
            "نہیں بتاتا، اس لیے حذف صرف تب کسی نظام سے منسوب ہوتا ہے جب اس سرور نے ریکارڈ کو "
            "حذف ہونے سے پہلے پڑھا ہو؛ باقی تاخیر سے حذف شدہ ریکارڈ پورے لاگ کے لیے "
            "`mohtasib ledger stats --periods` سے جانچیں۔"
        ),
    },
    "retention_late": {"en": "deleted late", "ur": "تاخیر سے حذف"},
    "deletions_note": {
        "en": (
            "Records deleted by retention: {attributed} attributed to their system (this server "
            "read them before they were deleted; it has been reading since {since}); "
            "{unattributed} not attributable (already deleted when this server first read them)."
        ),
        "ur": (
            "مدت پوری ہونے پر حذف شدہ ریکارڈ: {attributed} اپنے نظام سے منسوب (اس سرور نے "
            "انہیں حذف ہونے سے پہلے پڑھا؛ یہ {since} سے لاگ پڑھ رہا ہے)؛ {unattributed} منسوب "
            "نہیں کیے جا سکتے (جب اس سرور نے انہیں پہلی بار پڑھا تو وہ حذف ہو چکے تھے)۔"
        ),
    },
    "retention_kept": {"en": "kept past the period", "ur": "مدت کے بعد بھی محفوظ"},
    "retention_met": {"en": "met", "ur": "پوری"},
}


#: Strings of the signed-in pages (sign-in, officers, auditors, administrators, errors).
_SIGNED_IN: dict[str, dict[str, str]] = {
    "footer": {
        "en": "This portal publishes records and measurements; it does not certify any system.",
        "ur": "یہ پورٹل ریکارڈ اور پیمائشیں شائع کرتا ہے؛ یہ کسی نظام کی تصدیق نہیں کرتا۔",
    },
    "nav_request": {"en": "Access request", "ur": "رسائی کی درخواست"},
    "nav_upload": {"en": "Upload reports", "ur": "رپورٹس اپ لوڈ کریں"},
    "nav_entries": {"en": "Ledger entries", "ur": "رجسٹر کے اندراجات"},
    "nav_users": {"en": "Users", "ur": "صارفین"},
    "nav_tokens": {"en": "API tokens", "ur": "API ٹوکن"},
    "detail_en": {"en": "Details", "ur": "تفصیل (انگریزی میں)"},
    "form_invalid": {
        "en": "The form is not complete or not valid.",
        "ur": "فارم نامکمل ہے یا اس میں کوئی اندراج درست نہیں۔",
    },
    # sign-in
    "username": {"en": "User name", "ur": "صارف نام"},
    "password": {"en": "Password", "ur": "پاس ورڈ"},
    "login_wrong": {"en": "Wrong user name or password.", "ur": "صارف نام یا پاس ورڈ غلط ہے۔"},
    "login_limited": {
        "en": "Too many failed sign-ins; wait and retry.",
        "ur": "سائن ان کی بہت زیادہ ناکام کوششیں ہوئیں؛ کچھ دیر انتظار کر کے دوبارہ کوشش کریں۔",
    },
    # officers' access requests
    "request_title": {"en": "Access request", "ur": "رسائی کی درخواست"},
    "request_intro": {
        "en": (
            "Every request is checked against the system's access policy and recorded in the "
            "ledger, allowed or denied. The target value is pseudonymised by the server and "
            "never stored."
        ),
        "ur": (
            "ہر درخواست نظام کی رسائی کی پالیسی کے مطابق جانچی جاتی ہے اور رسائی کے رجسٹر میں "
            "درج ہوتی ہے، خواہ منظور ہو یا مسترد۔ ہدف کی قدر سرور فوراً فرضی شناخت میں بدل "
            "دیتا ہے اور اسے کبھی محفوظ نہیں کیا جاتا۔"
        ),
    },
    "decision_allowed": {"en": "Allowed", "ur": "منظور"},
    "decision_denied": {"en": "Denied", "ur": "مسترد"},
    "ledger_entry": {"en": "ledger entry", "ur": "رجسٹر کا اندراج نمبر"},
    "rule": {"en": "Rule", "ur": "قاعدہ"},
    "action": {"en": "Action", "ur": "کارروائی"},
    "purpose": {"en": "Purpose", "ur": "مقصد"},
    "target": {
        "en": "Target (plate, CNIC or probe id)",
        "ur": "ہدف (گاڑی کا نمبر، شناختی کارڈ نمبر یا تصویر کی شناخت)",
    },
    "fir_legend": {"en": "FIR (leave empty if none)", "ur": "ایف آئی آر (نہ ہو تو خالی چھوڑ دیں)"},
    "fir_number": {"en": "FIR number", "ur": "ایف آئی آر نمبر"},
    "police_station": {"en": "Police station", "ur": "تھانہ"},
    "district": {"en": "District", "ur": "ضلع"},
    "approver": {
        "en": "Approver (second officer, if the action needs one)",
        "ur": "منظوری دینے والا (دوسرا افسر، اگر اس کارروائی کے لیے ضروری ہو)",
    },
    "submit": {"en": "Submit", "ur": "جمع کرائیں"},
    "action_camera_footage_view": {"en": "view camera footage", "ur": "کیمرے کی فوٹیج دیکھنا"},
    "action_export": {"en": "export", "ur": "ڈیٹا باہر بھیجنا"},
    "action_face_match_action": {
        "en": "act on a face match",
        "ur": "چہرے کی مطابقت پر کارروائی",
    },
    "action_face_search": {"en": "face search", "ur": "چہرے کی تلاش"},
    "action_plate_search": {"en": "number-plate search", "ur": "گاڑی کے نمبر کی تلاش"},
    "action_record_view": {"en": "view a record", "ur": "ریکارڈ دیکھنا"},
    # auditors
    "report_file": {
        "en": "Report (the HTML file of mohtasib audit), at most",
        "ur": "رپورٹ (mohtasib audit کی HTML فائل)، زیادہ سے زیادہ",
    },
    "expected_sha": {
        "en": "Expected SHA-256 (optional; the upload is refused when it differs)",
        "ur": "متوقع SHA-256 (اختیاری؛ مختلف ہو تو اپ لوڈ قبول نہیں کیا جاتا)",
    },
    "publish_now": {"en": "Publish now", "ur": "ابھی شائع کریں"},
    "upload": {"en": "Upload", "ur": "اپ لوڈ کریں"},
    "publish": {"en": "Publish", "ur": "شائع کریں"},
    "is_published": {"en": "published", "ur": "شائع شدہ"},
    "report_published": {"en": "Report {sha256} published.", "ur": "رپورٹ {sha256} شائع ہو گئی۔"},
    "report_stored": {
        "en": "Report {sha256} stored, not yet published.",
        "ur": "رپورٹ {sha256} محفوظ ہو گئی، ابھی شائع نہیں ہوئی۔",
    },
    "upload_too_big": {
        "en": "the upload is {size} bytes; a report may be at most {limit}",
        "ur": "اپ لوڈ {size} بائٹ کا ہے؛ رپورٹ زیادہ سے زیادہ {limit} بائٹ کی ہو سکتی ہے۔",
    },
    "choose_file": {"en": "choose a report file", "ur": "رپورٹ کی فائل منتخب کریں۔"},
    "entries_title": {"en": "Ledger entries (decrypted)", "ur": "رجسٹر کے اندراجات (کھولے ہوئے)"},
    "entries_no_key": {
        "en": (
            "The oversight body's private key is not on this server, so record bodies cannot "
            "be opened here."
        ),
        "ur": "نگران ادارے کی نجی کلید اس سرور پر نہیں، اس لیے ریکارڈ یہاں نہیں کھولے جا سکتے۔",
    },
    "entries_range": {
        "en": "Entries {first}–{last} of {size}.",
        "ur": "کل {size} میں سے اندراجات {first} تا {last}۔",
    },
    "earlier": {"en": "earlier", "ur": "پچھلے اندراجات"},
    "time": {"en": "Time", "ur": "وقت"},
    "requester": {"en": "Requester", "ur": "درخواست دہندہ"},
    "authority": {"en": "Authority", "ur": "قانونی اختیار"},
    "decision": {"en": "Decision", "ur": "فیصلہ"},
    "sealed": {"en": "sealed", "ur": "سربمہر"},
    "entry_allowed": {"en": "allowed", "ur": "منظور"},
    "entry_denied": {"en": "denied ({rule})", "ur": "مسترد ({rule})"},
    "entry_tombstone": {
        "en": "tombstone (record deleted by retention)",
        "ur": "حذف کا نشان (مدت پوری ہونے پر ریکارڈ حذف)",
    },
    # administrators
    "users_intro": {
        "en": "Every change here is appended to the administrators' log (see the ledger page).",
        "ur": "یہاں ہر تبدیلی منتظمین کے لاگ میں درج ہوتی ہے (رسائی کے رجسٹر کا صفحہ دیکھیں)۔",
    },
    "user": {"en": "User", "ur": "صارف"},
    "role": {"en": "Role", "ur": "کردار"},
    "active": {"en": "Active", "ur": "فعال"},
    "yes": {"en": "yes", "ur": "ہاں"},
    "no": {"en": "no", "ur": "نہیں"},
    "disable": {"en": "Disable", "ur": "غیر فعال کریں"},
    "enable": {"en": "Enable", "ur": "فعال کریں"},
    "add_user": {"en": "Add a user", "ur": "نیا صارف شامل کریں"},
    "password_min": {
        "en": "Password (12 characters or more)",
        "ur": "پاس ورڈ (کم از کم 12 حروف)",
    },
    "add": {"en": "Add", "ur": "شامل کریں"},
    "role_admin": {"en": "administrator", "ur": "منتظم"},
    "role_auditor": {"en": "auditor", "ur": "آڈیٹر"},
    "role_officer": {"en": "officer", "ur": "افسر"},
    "role_system": {"en": "system", "ur": "نظام"},
    "user_added": {"en": "User {username} added.", "ur": "صارف {username} شامل کر دیا گیا۔"},
    "user_enabled": {"en": "User {username} enabled.", "ur": "صارف {username} فعال کر دیا گیا۔"},
    "user_disabled": {
        "en": "User {username} disabled.",
        "ur": "صارف {username} غیر فعال کر دیا گیا۔",
    },
    "no_such_user": {"en": "no such user", "ur": "ایسا کوئی صارف نہیں۔"},
    "not_yourself": {
        "en": "you cannot disable yourself",
        "ur": "آپ اپنا اکاؤنٹ خود غیر فعال نہیں کر سکتے۔",
    },
    "tokens_title": {"en": "API tokens and keys", "ur": "API ٹوکن اور کلیدیں"},
    "tokens_intro": {
        "en": (
            "Tokens let a system or an officer's device append to the ledger. A token is shown "
            "once; only its SHA-256 is stored. Every change is appended to the administrators' "
            "log."
        ),
        "ur": (
            "ٹوکن کے ذریعے کوئی نظام یا افسر کا آلہ رسائی کے رجسٹر میں اندراج کر سکتا ہے۔ ٹوکن "
            "صرف ایک بار دکھایا جاتا ہے؛ محفوظ صرف اس کا SHA-256 ہوتا ہے۔ ہر تبدیلی منتظمین "
            "کے لاگ میں درج ہوتی ہے۔"
        ),
    },
    "endpoint": {"en": "Endpoint", "ur": "اینڈ پوائنٹ"},
    "new_token": {
        "en": "New token (copy it now; it is not shown again):",
        "ur": "نیا ٹوکن (ابھی کاپی کر لیں؛ یہ دوبارہ نہیں دکھایا جائے گا):",
    },
    "subject_field": {
        "en": "Subject (the officer's id, or the register's system id)",
        "ur": "شناخت (افسر کی شناخت، یا رجسٹر میں نظام کی شناخت)",
    },
    "subject": {"en": "Subject", "ur": "شناخت"},
    "issue_token": {"en": "Issue a token", "ur": "ٹوکن جاری کریں"},
    "issued": {"en": "Issued", "ur": "جاری ہونے کی تاریخ"},
    "revoked": {"en": "revoked", "ur": "منسوخ"},
    "revoke": {"en": "Revoke", "ur": "منسوخ کریں"},
    "keys": {"en": "Keys", "ur": "کلیدیں"},
    "ledger_vkey": {"en": "Access ledger verifier key", "ur": "رسائی کے رجسٹر کی تصدیقی کلید"},
    "admin_vkey": {
        "en": "Administrators' log verifier key",
        "ur": "منتظمین کے لاگ کی تصدیقی کلید",
    },
    "oversight_here": {
        "en": "Oversight private key on this server",
        "ur": "اس سرور پر نگران ادارے کی نجی کلید",
    },
    "oversight_yes": {
        "en": "yes: move it to the oversight body when it can open records itself",
        "ur": "ہاں: جب نگران ادارہ خود ریکارڈ کھول سکے تو یہ کلید اس کے حوالے کر دیں",
    },
    "oversight_no": {
        "en": "no (records cannot be opened here)",
        "ur": "نہیں (ریکارڈ یہاں نہیں کھولے جا سکتے)",
    },
    "keys_note": {
        "en": (
            "Signing and oversight keys live in the key directory and are never shown on this "
            "page; they are listed, and rotated, on the key page:"
        ),
        "ur": (
            "دستخط اور نگرانی کی کلیدیں کلیدوں کی ڈائریکٹری میں رہتی ہیں اور اس صفحے پر نہیں "
            "دکھائی جاتیں؛ انہیں کلیدوں کے صفحے پر دیکھا اور بدلا جاتا ہے:"
        ),
    },
    "keys_made_with": {
        "en": "A new key directory is made with:",
        "ur": "کلیدوں کی نئی ڈائریکٹری اس کمانڈ سے بنتی ہے:",
    },
    "bad_role": {"en": "role: want one of {roles}", "ur": "کردار: ان میں سے ایک چنیں: {roles}"},
    "bad_subject": {
        "en": "subject: want 1 to 100 characters",
        "ur": "شناخت: 1 سے 100 حروف ہونے چاہییں۔",
    },
    "no_such_token": {"en": "no such token", "ur": "ایسا کوئی ٹوکن نہیں۔"},
    # the error page, by HTTP status
    "http_401": {"en": "Sign in first.", "ur": "پہلے سائن ان کریں۔"},
    "http_403": {
        "en": (
            "Not allowed: this page or form is not for your role, or the form has expired "
            "(reload the page)."
        ),
        "ur": (
            "اجازت نہیں: یہ صفحہ یا فارم آپ کے کردار کے لیے نہیں، یا فارم کی میعاد ختم ہو "
            "چکی ہے (صفحہ دوبارہ کھولیں)۔"
        ),
    },
    "http_404": {"en": "Not found.", "ur": "مطلوبہ صفحہ یا چیز نہیں ملی۔"},
}
_TEXT.update(_SIGNED_IN)

#: Strings of the administrators' key page (``/admin/keys``) and the ledger page's retired keys.
_KEY_ADMIN: dict[str, dict[str, str]] = {
    "keyadmin_nav": {"en": "Keys", "ur": "کلیدیں"},
    "keyadmin_title": {"en": "Ledger keys", "ur": "لیجر کی کلیدیں"},
    "keyadmin_intro": {
        "en": (
            "The keys the access ledger uses now and used before. Only public facts are shown "
            "(key IDs, fingerprints, public keys, times), never a secret. Every rotation is "
            "appended to the administrators' log."
        ),
        "ur": (
            "رسائی کے رجسٹر کی موجودہ اور سابقہ کلیدیں۔ یہاں صرف عوامی معلومات دکھائی جاتی ہیں "
            "(کلید کی شناخت، فنگر پرنٹ، عوامی کلید، اوقات)، کبھی کوئی خفیہ کلید نہیں۔ ہر تبدیلی "
            "منتظمین کے لاگ میں درج ہوتی ہے۔"
        ),
    },
    "keyadmin_signer": {
        "en": "Checkpoint signing key (Ed25519)",
        "ur": "چیک پوائنٹ پر دستخط کی کلید (Ed25519)",
    },
    "keyadmin_oversight": {
        "en": "Oversight key (X25519: record bodies are sealed to it)",
        "ur": "نگرانی کی کلید (X25519: ریکارڈ اسی کے لیے مہر بند ہوتے ہیں)",
    },
    "keyadmin_admin_log": {
        "en": "Administrators' log verifier key",
        "ur": "منتظمین کے لاگ کی تصدیقی کلید",
    },
    "keyadmin_pseudonym": {
        "en": "Pseudonym key (HMAC-SHA256)",
        "ur": "فرضی شناخت کی کلید (HMAC-SHA256)",
    },
    "keyadmin_pseudonym_why": {
        "en": (
            "Not rotated. Pseudonyms show the oversight body that two accesses concern the same "
            "plate, CNIC or probe; a new key would cut every link between accesses before and "
            "after it, and the raw values needed to recompute them are never stored. A pseudonym "
            "appears only inside sealed record bodies, so the key alone reveals nothing."
        ),
        "ur": (
            "یہ کلید تبدیل نہیں کی جاتی۔ فرضی شناخت سے نگران ادارہ دیکھ سکتا ہے کہ دو رسائیاں ایک "
            "ہی نمبر پلیٹ، شناختی کارڈ یا تلاش سے متعلق ہیں؛ نئی کلید پہلے اور بعد کی رسائیوں کا "
            "ہر ربط توڑ دیتی، اور اصل اقدار کبھی محفوظ نہیں کی جاتیں کہ دوبارہ حساب ہو سکے۔ فرضی "
            "شناخت صرف مہر بند ریکارڈ کے اندر ہوتی ہے، اس لیے اکیلی کلید کچھ ظاہر نہیں کرتی۔"
        ),
    },
    "keyadmin_in_use": {"en": "In use", "ur": "زیرِ استعمال"},
    "keyadmin_retired": {"en": "Retired", "ur": "ریٹائر شدہ"},
    "keyadmin_key_id": {"en": "Key ID", "ur": "کلید کی شناخت"},
    "keyadmin_fingerprint": {"en": "Fingerprint", "ur": "فنگر پرنٹ"},
    "keyadmin_public": {"en": "Public key", "ur": "عوامی کلید"},
    "keyadmin_created": {"en": "Created", "ur": "بنائی گئی"},
    "keyadmin_retired_at": {"en": "Retired at", "ur": "ریٹائر ہوئی"},
    "keyadmin_log_size": {"en": "Log size at rotation", "ur": "تبدیلی کے وقت لاگ کا حجم"},
    "keyadmin_unknown": {
        "en": "before the key history began",
        "ur": "کلیدوں کی تاریخ شروع ہونے سے پہلے",
    },
    "keyadmin_private_here": {
        "en": "Private key on this server",
        "ur": "اس سرور پر نجی کلید",
    },
    "keyadmin_yes": {"en": "yes", "ur": "ہاں"},
    "keyadmin_no": {"en": "no", "ur": "نہیں"},
    "keyadmin_retired_secret": {
        "en": (
            "A retired signing key is still on this server (key directory, retired/). Destroy "
            "it once the witnesses have cosigned the handover: until then it could sign "
            "checkpoints that anyone who missed the handover would accept."
        ),
        "ur": (
            "ایک ریٹائر شدہ دستخطی کلید ابھی اس سرور پر ہے (کلیدوں کی ڈائریکٹری، retired/)۔ "
            "گواہوں کے حوالگی والے چیک پوائنٹ پر دستخط کے بعد اسے تلف کر دیں: تب تک وہ ایسے "
            "چیک پوائنٹ پر دستخط کر سکتی ہے جنہیں حوالگی سے بے خبر ہر شخص قبول کر لے گا۔"
        ),
    },
    "keyadmin_rotate_signer": {"en": "Rotate the signing key", "ur": "دستخطی کلید تبدیل کریں"},
    "keyadmin_rotate_signer_help": {
        "en": (
            "Makes a new Ed25519 key for the same log (a new key ID) and signs a handover "
            "checkpoint with the old and the new key, so that whoever trusts the old key can "
            "accept the new one. From then on checkpoints are signed by the new key only."
        ),
        "ur": (
            "اسی لاگ کے لیے نئی Ed25519 کلید بناتا ہے (نئی شناخت کے ساتھ) اور حوالگی کا چیک پوائنٹ "
            "پرانی اور نئی دونوں کلیدوں سے دستخط کرتا ہے، تاکہ پرانی کلید پر بھروسا کرنے والا نئی "
            "کو قبول کر سکے۔ اس کے بعد چیک پوائنٹ صرف نئی کلید سے دستخط ہوتے ہیں۔"
        ),
    },
    "keyadmin_rotate_button": {"en": "Rotate the signing key", "ur": "دستخطی کلید تبدیل کریں"},
    "keyadmin_rotate_oversight": {
        "en": "Install a new oversight public key",
        "ur": "نگرانی کی نئی عوامی کلید نصب کریں",
    },
    "keyadmin_rotate_oversight_help": {
        "en": (
            "Paste the X25519 public key (base64, 32 bytes) that the oversight body generated "
            "offline; its private key never comes to this server. New record bodies are sealed "
            "to it at once; earlier ones stay sealed to the earlier key."
        ),
        "ur": (
            "وہ X25519 عوامی کلید (base64، 32 بائٹ) درج کریں جو نگران ادارے نے آف لائن بنائی؛ "
            "اس کی نجی کلید کبھی اس سرور پر نہیں آتی۔ نئے ریکارڈ فوراً اسی کے لیے مہر بند ہوں گے؛ "
            "پرانے ریکارڈ پرانی کلید کے لیے مہر بند رہیں گے۔"
        ),
    },
    "keyadmin_public_key_label": {
        "en": "New public key (base64)",
        "ur": "نئی عوامی کلید (base64)",
    },
    "keyadmin_install_button": {"en": "Install the new key", "ur": "نئی کلید نصب کریں"},
    "keyadmin_handover": {
        "en": "Handover checkpoint (signed by the old and the new key)",
        "ur": "حوالگی کا چیک پوائنٹ (پرانی اور نئی کلید دونوں کے دستخط)",
    },
    "keyadmin_rotated_signer": {
        "en": "The signing key was rotated: {old} → {new}.",
        "ur": "دستخطی کلید تبدیل ہو گئی: {old} → {new}۔",
    },
    "keyadmin_rotated_oversight": {
        "en": "The oversight key was replaced: {old} → {new}.",
        "ur": "نگرانی کی کلید بدل دی گئی: {old} → {new}۔",
    },
    "keyadmin_retired_vkeys": {
        "en": "Retired verifier keys (they signed the earlier checkpoints):",
        "ur": "ریٹائر شدہ تصدیقی کلیدیں (پرانے چیک پوائنٹ ان سے دستخط شدہ ہیں):",
    },
}
_TEXT.update(_KEY_ADMIN)

#: Why the ledger's access policy denies a request, per rule id of
#: :mod:`mohtasib.ledger._policy` (the decision's ``rule``); the decision's own
#: ``reason`` adds the specifics, in English.
RULES: dict[str, dict[str, str]] = {
    "unknown_system": {
        "en": "There is no access policy for this system, so no access to it can be allowed.",
        "ur": (
            "اس نظام کے لیے رسائی کی کوئی پالیسی موجود نہیں، اس لیے اس تک رسائی کی اجازت "
            "نہیں دی جا سکتی۔"
        ),
    },
    "action_not_permitted": {
        "en": "This system's policy does not permit this action at all.",
        "ur": "اس نظام کی پالیسی اس کارروائی کی سرے سے اجازت نہیں دیتی۔",
    },
    "authority_missing": {
        "en": (
            "This action needs a legal authority (an FIR, a warrant or a court order, as the "
            "policy says), and none was given."
        ),
        "ur": (
            "اس کارروائی کے لیے قانونی اختیار (پالیسی کے مطابق ایف آئی آر، وارنٹ یا عدالتی "
            "حکم) ضروری ہے، اور کوئی اختیار نہیں دیا گیا۔"
        ),
    },
    "authority_type": {
        "en": (
            "The legal authority given is not of a kind this action accepts (for example an "
            "FIR where a warrant or a court order is needed)."
        ),
        "ur": (
            "دیا گیا قانونی اختیار اس قسم کا نہیں جو اس کارروائی کے لیے قابلِ قبول ہو (مثلاً "
            "جہاں وارنٹ یا عدالتی حکم درکار ہو وہاں ایف آئی آر)۔"
        ),
    },
    "warrant_too_long": {
        "en": (
            "The warrant is valid for longer than the policy's cap (the Investigation for Fair "
            "Trial Act 2013 limits a warrant to 60 days)."
        ),
        "ur": (
            "وارنٹ کی میعاد پالیسی کی مقررہ حد سے زیادہ ہے (انویسٹی گیشن فار فیئر ٹرائل ایکٹ "
            "2013 وارنٹ کی میعاد 60 دن تک محدود کرتا ہے)۔"
        ),
    },
    "warrant_window": {
        "en": "The access falls outside the dates for which the warrant is valid.",
        "ur": "یہ رسائی ان تاریخوں سے باہر ہے جن کے لیے وارنٹ جاری ہوا۔",
    },
    "two_person_rule": {
        "en": (
            "This action needs a second officer's approval: an approver other than the requester."
        ),
        "ur": (
            "اس کارروائی کے لیے دوسرے افسر کی منظوری ضروری ہے: درخواست دہندہ کے علاوہ کوئی "
            "اور افسر منظوری دے۔"
        ),
    },
    "purpose_not_allowed": {
        "en": "The purpose given is not among the purposes this system's policy allows.",
        "ur": "بتایا گیا مقصد اس نظام کی پالیسی میں جائز مقاصد میں شامل نہیں۔",
    },
}
_UNKNOWN_RULE = {
    "en": "Denied under the policy rule shown above.",
    "ur": "اوپر درج پالیسی کے قاعدے کے تحت مسترد۔",
}


def rule_text(rule: str | None, lang: str) -> str:
    """Why a request was denied under policy ``rule``, in ``lang`` ('' when allowed)."""
    if rule is None:
        return ""
    entry = RULES.get(rule, _UNKNOWN_RULE)
    return entry.get(lang) or entry["en"]


def text(key: str, lang: str) -> str:
    """The interface string ``key`` in ``lang`` (English when Urdu is missing)."""
    entry = _TEXT.get(key)
    if entry is None:
        raise KeyError(f"no interface text {key!r}")
    return entry.get(lang) or entry["en"]
