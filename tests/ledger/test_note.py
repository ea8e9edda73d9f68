"""C2SP signed notes with Ed25519, checked against the spec's golden example."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mohtasib.errors import InputError, VerificationError
from mohtasib.ledger._note import (
    NoteSigner,
    NoteVerifier,
    append_signatures,
    compute_key_id,
    open_note,
    parse_note,
    sign_note,
)

EXAMPLE = json.loads(
    (Path(__file__).with_name("vectors") / "c2sp-signed-note-example.json").read_text("utf-8")
)
SEED = bytes(range(32))


def example_note() -> str:
    return EXAMPLE["note_text"] + "\n" + EXAMPLE["signature_line"] + "\n"


def signer(name: str = "oversight.example.pk/ledger") -> NoteSigner:
    return NoteSigner(name, Ed25519PrivateKey.from_private_bytes(SEED))


def test_example_vector_keeps_its_source_and_licence():
    assert "C2SP" in EXAMPLE["source"]
    assert "BSD-1-Clause" in EXAMPLE["source"] and "CC BY 4.0" in EXAMPLE["source"]


def test_example_vkey_parses_with_key_id_530d903a_and_formats_back():
    verifier = NoteVerifier.from_vkey(EXAMPLE["vkey"])
    assert verifier.name == "example.com/foo"
    assert verifier.key_id.hex() == "530d903a" == EXAMPLE["expected"]["key_id_hex"]
    assert verifier.vkey == EXAMPLE["vkey"]


def test_example_signature_verifies():
    verifier = NoteVerifier.from_vkey(EXAMPLE["vkey"])
    text, names = open_note(example_note(), [verifier])
    assert text == "This is an example message.\n"
    assert names == ["example.com/foo"]


def test_example_with_any_text_change_fails():
    verifier = NoteVerifier.from_vkey(EXAMPLE["vkey"])
    note = example_note()
    for position in range(len(EXAMPLE["note_text"]) - 1):
        changed = note[:position] + chr(ord(note[position]) ^ 1) + note[position + 1 :]
        with pytest.raises(VerificationError):
            open_note(changed, [verifier])


def test_example_with_any_signature_bit_flipped_fails():
    verifier = NoteVerifier.from_vkey(EXAMPLE["vkey"])
    raw = base64.b64decode(EXAMPLE["signature_line"].split(" ")[2])
    for bit in range(len(raw) * 8):
        flipped = bytearray(raw)
        flipped[bit // 8] ^= 1 << (bit % 8)
        line = f"— example.com/foo {base64.b64encode(flipped).decode()}"
        with pytest.raises(VerificationError):
            open_note(EXAMPLE["note_text"] + "\n" + line + "\n", [verifier])


def test_key_id_is_sha256_of_name_newline_type_and_key():
    s = signer()
    public = s.verifier().public_key.public_bytes_raw()
    assert s.key_id == compute_key_id(s.name, 0x01, public)
    assert len(s.key_id) == 4


def test_signer_key_string_round_trips_in_go_note_format():
    s = signer()
    skey = s.skey
    assert skey.startswith(f"PRIVATE+KEY+{s.name}+{s.key_id.hex()}+")
    assert base64.b64decode(skey.rsplit("+", 1)[1]) == b"\x01" + SEED
    again = NoteSigner.from_skey(skey)
    assert again.verifier().vkey == s.verifier().vkey


@pytest.mark.parametrize(
    "vkey",
    [
        "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # wrong ID
        "example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # other name
        "example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # other key
        "example.com/foo+530d903a+BOkyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # type 0x04
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2",  # bad base64
        "example.com/foo+530d90+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # short ID
        "example.com/foo+530d903a",
        "+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "example.com/foo+zz0d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    ],
)
def test_malformed_or_mismatched_vkey_is_rejected(vkey):
    with pytest.raises((VerificationError, InputError)):
        NoteVerifier.from_vkey(vkey)


def test_sign_and_open_round_trip_with_two_signers():
    a, b = signer("a.example/log"), NoteSigner.generate("b.example/w")
    note = sign_note("line one\n\nline three\n", [a, b])
    assert note.startswith("line one\n\nline three\n\n— a.example/log ")
    text, names = open_note(note, [a.verifier(), b.verifier()])
    assert text == "line one\n\nline three\n"
    assert names == ["a.example/log", "b.example/w"]


def test_sign_note_is_deterministic_ed25519():
    assert sign_note("x\n", [signer()]) == sign_note("x\n", [signer()])


def test_unknown_signatures_are_ignored_when_a_known_one_verifies():
    known, stranger = signer(), NoteSigner.generate("stranger.example")
    note = sign_note("hello\n", [stranger, known])
    assert open_note(note, [known.verifier()]) == ("hello\n", [known.name])
    listed = [(s.name, s.key_id) for s in parse_note(note).signatures]
    assert listed == [(stranger.name, stranger.key_id), (known.name, known.key_id)]


def test_note_signed_only_by_unknown_keys_is_rejected_and_names_them():
    stranger = NoteSigner.generate("stranger.example")
    note = sign_note("hello\n", [stranger])
    with pytest.raises(VerificationError, match=f"stranger.example\\+{stranger.key_id.hex()}"):
        open_note(note, [signer().verifier()])


def test_same_name_other_key_is_treated_as_unknown_not_as_forgery():
    real, impostor = signer("log.example"), NoteSigner.generate("log.example")
    note = sign_note("hello\n", [impostor])
    with pytest.raises(VerificationError, match="not signed by any known key"):
        open_note(note, [real.verifier()])


def test_bad_signature_from_known_key_rejects_whole_note_even_if_another_verifies():
    a, b = signer("a.example"), NoteSigner.generate("b.example")
    good = sign_note("hello\n", [a])
    forged_line = sign_note("other\n", [b]).split("\n\n")[1]
    with pytest.raises(VerificationError, match=r"b\.example.*does not verify"):
        open_note(good + forged_line, [a.verifier(), b.verifier()])


def test_append_signatures_adds_a_line_over_the_same_text():
    a, b = signer("a.example"), NoteSigner.generate("b.example")
    note = append_signatures(sign_note("hi\n", [a]), [b])
    assert open_note(note, [a.verifier(), b.verifier()]) == ("hi\n", ["a.example", "b.example"])


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("no signatures\n", "no blank line"),
        ("text\n\n", "signature block"),
        ("text\n\n— a.example AAAAAAAA", "signature block"),
        ("text\n\n- a.example AAAAAAAA\n", "does not start"),
        ("text\n\n— a.example\n", "no space"),
        ("text\n\n—  AAAAAAAA\n", "key name"),
        ("text\n\n— a+b AAAAAAAA\n", "key name"),
        ("text\n\n— a.example AAAA\n", "want > 4"),
        ("text\n\n— a.example AAAAAAA\n", "base64"),
        ("te\txt\n\n— a.example AAAAAAAA\n", "control character"),
        ("text\n\n" + "— a.example AAAAAAAA\n" * 101, "at most 100"),
    ],
)
def test_malformed_notes_are_rejected(note, message):
    with pytest.raises(VerificationError, match=message):
        open_note(note, [signer().verifier()])


@pytest.mark.parametrize("text", ["no newline", "bad\x00char\n"])
def test_sign_note_rejects_bad_text(text):
    with pytest.raises(InputError):
        sign_note(text, [signer()])


@pytest.mark.parametrize("name", ["", "has space", "has+plus", "tab\there"])
def test_invalid_key_names_are_rejected(name):
    with pytest.raises(InputError, match="key name"):
        NoteSigner(name, Ed25519PrivateKey.generate())


def test_sign_note_needs_a_signer_and_open_note_rejects_ambiguous_verifiers():
    with pytest.raises(InputError, match="at least one"):
        sign_note("x\n", [])
    v = signer().verifier()
    with pytest.raises(InputError, match="share key ID"):
        open_note(sign_note("x\n", [signer()]), [v, v])


def test_signer_repr_does_not_show_the_private_key():
    s = signer()
    assert s.skey.rsplit("+", 1)[1] not in repr(s)
    assert "key_id" in repr(s)
