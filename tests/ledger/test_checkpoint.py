"""C2SP tlog-checkpoint text: exact round trip and strict parsing of every line."""

from __future__ import annotations

import base64

import pytest

from mohtasib.errors import InputError, VerificationError
from mohtasib.ledger._checkpoint import Checkpoint

# The example checkpoint of https://c2sp.org/tlog-checkpoint (note text only).
SPEC_TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
ROOT = bytes(range(32))
ROOT64 = base64.b64encode(ROOT).decode()


def test_checkpoint_parses_the_spec_example_and_writes_it_back_unchanged():
    cp = Checkpoint.from_text(SPEC_TEXT)
    assert cp.origin == "example.com/behind-the-sofa"
    assert cp.size == 20852163
    assert cp.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert cp.extensions == ()
    assert cp.to_text() == SPEC_TEXT


def test_checkpoint_with_extensions_round_trips():
    cp = Checkpoint("log.example/a", 0, ROOT, ("ext one", "ext-two"))
    text = cp.to_text()
    assert text == f"log.example/a\n0\n{ROOT64}\next one\next-two\n"
    assert Checkpoint.from_text(text) == cp


def test_checkpoint_to_dict_shows_hex_root():
    d = Checkpoint("o", 5, ROOT).to_dict()
    assert d == {"origin": "o", "size": 5, "root_hash": ROOT.hex(), "extensions": []}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"o\n5\n{ROOT64}", "newline"),
        ("o\n5\n", "want origin, size and root"),
        (f"\n5\n{ROOT64}\n", "origin is empty"),
        (f"o\n05\n{ROOT64}\n", "leading zeroes"),
        (f"o\n+5\n{ROOT64}\n", "decimal"),
        (f"o\n-5\n{ROOT64}\n", "decimal"),
        (f"o\n 5\n{ROOT64}\n", "decimal"),
        (f"o\n5 \n{ROOT64}\n", "decimal"),
        (f"o\n5_0\n{ROOT64}\n", "decimal"),
        (f"o\n٥\n{ROOT64}\n", "decimal"),
        (f"o\n\n{ROOT64}\n", "decimal"),
        (f"o\n{2**64}\n{ROOT64}\n", "2\\*\\*64"),
        (f"o\n5\n{ROOT64.rstrip('=')}\n", "base64"),
        (f"o\n5\n{ROOT64} \n", "base64"),
        ("o\n5\n" + base64.b64encode(b"x" * 31).decode() + "\n", "31 bytes"),
        ("o\n5\n" + base64.b64encode(b"x" * 33).decode() + "\n", "33 bytes"),
        ("o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n", "canonical"),
        ("o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-_\n", "base64"),
        (f"o\n5\n{ROOT64}\n\n", "extension line 1 is empty"),
        (f"o\n5\n{ROOT64}\next\n\n", "extension line 2 is empty"),
        (f"o\tx\n5\n{ROOT64}\n", "control character"),
        (f"o\r\n5\n{ROOT64}\n", "control character"),
    ],
)
def test_checkpoint_from_text_rejects_malformed_lines(text, message):
    with pytest.raises(VerificationError, match=message):
        Checkpoint.from_text(text)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"origin": ""}, "origin is empty"),
        ({"origin": "a\nb"}, "control character"),
        ({"size": -1}, "want 0 <= size"),
        ({"size": True}, "want an int"),
        ({"root_hash": b"\x00" * 31}, "want 32 bytes"),
        ({"extensions": ("ok", "")}, "extension line 2 is empty"),
    ],
)
def test_checkpoint_constructor_rejects_bad_fields(kwargs, message):
    fields = {"origin": "o", "size": 1, "root_hash": ROOT} | kwargs
    with pytest.raises(InputError, match=message):
        Checkpoint(**fields)


def test_checkpoint_is_frozen():
    cp = Checkpoint("o", 1, ROOT)
    with pytest.raises(AttributeError):
        cp.size = 2  # type: ignore[misc]
