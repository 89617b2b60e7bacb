"""The serving record inside an exported file, so that the file describes itself.

A sidecar (:mod:`mammokit.export.sidecar`) can be lost, or copied beside another export;
its class names in another order would shift every prediction by a column without a word.
So the same record also goes into the exported file: a metadata entry named
:data:`RECORD_NAME` of the ``.tflite`` flatbuffer (as TensorFlow's converter stores its own
conversion metadata, through TensorFlow's ``flatbuffer_utils``), and a ``metadata_props``
entry of the ``.onnx`` model. :class:`~mammokit.export.Predictor` reads it, serves a file
without a sidecar by it, and refuses a sidecar that disagrees with it.

Examples
--------
>>> import tempfile, os
>>> from mammokit.export import to_tflite
>>> from mammokit.models import cnn_classifier
>>> model = cnn_classifier(input_shape=(16, 16, 1), filters=(4,), class_names=["B", "M"])
>>> path = to_tflite(model, os.path.join(tempfile.mkdtemp(), "m.tflite"))
>>> tflite_record(path)["class_names"]
['B', 'M']
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

from mammokit.errors import ModelLoadError

__all__ = [
    "RECORD_NAME",
    "check_agrees",
    "embed_in_onnx",
    "embed_in_tflite",
    "onnx_record",
    "tflite_record",
]

#: The name of the record in a ``.tflite`` file's metadata and an ``.onnx`` file's properties.
RECORD_NAME = "mammokit"
#: Entries that may differ between a sidecar and the record without meaning another model.
_FREE = ("mammokit_version", "pixel_scale")


def _schema():
    # TensorFlow's generated TFLite schema (the ``tensorflow.lite`` API module hides it)
    return importlib.import_module("tensorflow.lite.python.schema_py_generated")


def embed_in_tflite(content: bytes, config: dict) -> bytes:
    """``content`` (a ``.tflite`` flatbuffer) with ``config`` stored as its record."""
    utils = importlib.import_module("tensorflow.lite.tools.flatbuffer_utils")
    schema = _schema()
    model = utils.read_model_from_bytearray(bytearray(content))
    buffer = schema.BufferT()
    buffer.data = json.dumps(config).encode()
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name = RECORD_NAME
    entry.buffer = len(model.buffers) - 1
    model.metadata = [m for m in (model.metadata or []) if m.name != RECORD_NAME.encode()]
    model.metadata.append(entry)
    return bytes(utils.convert_object_to_bytearray(model))


def tflite_record(path: str | os.PathLike) -> dict | None:
    """The record in the ``.tflite`` file ``path``, or ``None`` (exported before 0.3, or not
    by mammokit)."""
    content = Path(path).read_bytes()
    try:
        model = _schema().Model.GetRootAs(content, 0)
        entries = [model.Metadata(i) for i in range(model.MetadataLength())]
        found = [m.Buffer() for m in entries if m.Name() == RECORD_NAME.encode()]
        if not found:
            return None
        text = model.Buffers(found[-1]).DataAsNumpy().tobytes()
    except Exception as err:  # a damaged flatbuffer raises whatever its accessors meet
        raise ModelLoadError(f"{path}: not a readable TFLite model ({err})") from err
    return _parsed(path, text)


def embed_in_onnx(model_proto, config: dict) -> None:
    """Store ``config`` as the record of an ONNX ``ModelProto`` (in place)."""
    kept = [p for p in model_proto.metadata_props if p.key != RECORD_NAME]
    del model_proto.metadata_props[:]
    model_proto.metadata_props.extend(kept)
    entry = model_proto.metadata_props.add()
    entry.key, entry.value = RECORD_NAME, json.dumps(config)


def onnx_record(path: str | os.PathLike, session) -> dict | None:
    """The record of the ONNX model an ``onnxruntime`` ``session`` runs, or ``None``."""
    text = session.get_modelmeta().custom_metadata_map.get(RECORD_NAME)
    return None if text is None else _parsed(path, text.encode())


def _parsed(path: str | os.PathLike, text: bytes) -> dict:
    try:
        record = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelLoadError(f"{path}: its mammokit record is not JSON ({err})") from err
    if not isinstance(record, dict):
        raise ModelLoadError(f"{path}: its mammokit record is not a JSON object")
    return record


def check_agrees(path: str | os.PathLike, sidecar: dict, record: dict) -> None:
    """Refuse a sidecar that says something else than the file's own record.

    Raises
    ------
    ModelLoadError
        Naming each entry that differs (class names in another order included).
    """
    differing = [
        f"{key}: sidecar {sidecar[key]!r}, file {record[key]!r}"
        for key in sorted(set(sidecar) & set(record))
        if key not in _FREE and sidecar[key] != record[key]
    ]
    if differing:
        raise ModelLoadError(
            f"{path}: its sidecar disagrees with the record inside the file ("
            + "; ".join(differing)
            + "): the sidecar belongs to another export; delete it (the file's own record is "
            "then used) or export the model again"
        )
