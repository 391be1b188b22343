"""An ONNX file's graph without its weights.

The protobuf wire format is walked once, reading the file a block at a time where its fields stand,
and each tensor whose values take more than KEEP_BYTES is copied without them (its name, type and
dims stay): the graph of a model of gigabytes is parsed in megabytes, and its weights are skipped
over, never read.
Shape constants, scalars and scales are small and keep their values. External data is never
loaded: a tensor stored outside the file is only its dims here.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..diagnostics import ExitCode, SpecError, error

KEEP_BYTES = 4096  # a tensor's values are kept up to this size
MAX_DEPTH = 100  # nested messages (a graph inside an If inside a graph …), as protobuf's own parser allows


class _Corrupt(Exception):
    """The bytes are not a well-formed protobuf message."""


def load_without_weights(path: Path, onnx):
    """The ModelProto of the file at `path`, its large tensors without values; SpecError otherwise.
    `onnx` is the onnx package, which imports/onnx.py imports when a model is read."""
    from google.protobuf.message import DecodeError  # noqa: PLC0415 (protobuf comes with onnx)

    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                raise _invalid("the file is empty")
            trimmed = _trimmed(_Source(handle, size), onnx)
    except FileNotFoundError:
        raise SpecError([error("unreadable", f"no such file: {path}")], ExitCode.USAGE) from None
    except IsADirectoryError:
        raise SpecError([error("unreadable", f"{path} is a directory, not a model file")], ExitCode.USAGE) from None
    except OSError as exc:
        raise SpecError([error("unreadable", f"cannot read {path}: {exc.strerror or exc}")], ExitCode.USAGE) from None
    except _Corrupt as exc:
        raise _invalid(f"the file is truncated, corrupt or not an ONNX model ({exc})") from None
    try:
        model = onnx.load_model_from_string(trimmed)
    except (DecodeError, ValueError, RuntimeError):
        raise _invalid("the file is truncated, corrupt or not an ONNX model") from None
    if not model.HasField("graph") or not model.graph.node:
        raise _invalid("the file holds no ONNX graph: it is not an ONNX model, or an empty one")
    return model


def _invalid(message: str) -> SpecError:
    return SpecError([error("invalid-model", message,
                            suggestions=["export the model again; torch.onnx.export(model, args, 'model.onnx')"])])


class _Source:
    """The file's bytes, read a block at a time around where they are asked for."""

    BLOCK = 1 << 16

    def __init__(self, handle, size: int) -> None:
        self.handle, self.size = handle, size
        self.start, self.block = 0, b""

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, where):
        if isinstance(where, slice):
            start, stop = where.start, where.stop
            if self.start <= start and stop <= self.start + len(self.block):
                return self.block[start - self.start:stop - self.start]
            return self._read(start, stop - start)
        if not self.start <= where < self.start + len(self.block):
            self.start = where - where % self.BLOCK
            self.block = self._read(self.start, self.BLOCK)
        return self.block[where - self.start]

    def _read(self, start: int, count: int) -> bytes:
        self.handle.seek(start)
        data = self.handle.read(min(count, self.size - start))
        if len(data) < min(count, self.size - start):
            raise _Corrupt("the file grew shorter while it was read")
        return data


def _trimmed(buffer: _Source, onnx) -> bytes:
    reach = _reaching_tensors(onnx)
    out: list[bytes] = []
    _copy(buffer, 0, len(buffer), onnx.ModelProto.DESCRIPTOR, reach, onnx, out, 0)
    return b"".join(out)


def _reaching_tensors(onnx) -> dict:
    """For each message type that can hold a tensor: its field numbers -> the message type of that field,
    for the fields through which a tensor can be reached (the rest is copied whole)."""
    tensor = onnx.TensorProto.DESCRIPTOR
    kinds, todo = {}, [onnx.ModelProto.DESCRIPTOR]
    while todo:  # every message type below a model
        message = todo.pop()
        if message.full_name not in kinds:
            kinds[message.full_name] = message
            todo.extend(f.message_type for f in message.fields if f.message_type is not None)
    reaching = {tensor.full_name}
    changed = True
    while changed:
        changed = False
        for name, message in kinds.items():
            if name not in reaching and any(f.message_type is not None and f.message_type.full_name in reaching
                                            for f in message.fields):
                reaching.add(name)
                changed = True
    return {kinds[name].full_name: {f.number: f.message_type for f in kinds[name].fields
                                    if f.message_type is not None and f.message_type.full_name in reaching}
            for name in reaching}


def _varint(buffer, pos: int, end: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= end:
            raise _Corrupt("a number runs past the end of its message")
        byte = buffer[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise _Corrupt("a number is longer than ten bytes")


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _fields(buffer, start: int, end: int):
    """(number, wire type, where the field starts, where its payload starts, where it ends) of each field."""
    pos = start
    while pos < end:
        key, body = _varint(buffer, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _Corrupt("a field is numbered 0")
        if wire == 0:
            _, stop = _varint(buffer, body, end)
        elif wire == 1:
            stop = body + 8
        elif wire == 5:
            stop = body + 4
        elif wire == 2:
            length, body = _varint(buffer, body, end)
            stop = body + length
        else:
            raise _Corrupt(f"a field has wire type {wire}")
        if stop > end:
            raise _Corrupt("a field runs past the end of its message")
        yield number, wire, pos, body, stop
        pos = stop


def _copy(buffer, start: int, end: int, message, reach: dict, onnx, out: list, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _Corrupt(f"messages are nested more than {MAX_DEPTH} deep")
    if message.full_name == onnx.TensorProto.DESCRIPTOR.full_name:
        _copy_tensor(buffer, start, end, onnx, out)
        return
    nested = reach[message.full_name]
    for number, wire, at, body, stop in _fields(buffer, start, end):
        inner = nested.get(number)
        if inner is None or wire != 2:
            out.append(buffer[at:stop])
            continue
        part: list[bytes] = []
        _copy(buffer, body, stop, inner, reach, onnx, part, depth + 1)
        payload = b"".join(part)
        out.append(buffer[at:body - _length_size(stop - body)] + _encode_varint(len(payload)) + payload)


def _length_size(length: int) -> int:
    return len(_encode_varint(length))


def _data_fields(onnx) -> set[int]:
    fields = onnx.TensorProto.DESCRIPTOR.fields_by_name
    return {fields[name].number for name in ("float_data", "int32_data", "string_data", "int64_data", "raw_data",
                                             "double_data", "uint64_data")}


def _copy_tensor(buffer, start: int, end: int, onnx, out: list) -> None:
    data = _data_fields(onnx)
    fields = list(_fields(buffer, start, end))
    keep = sum(stop - at for number, _, at, _, stop in fields if number in data) <= KEEP_BYTES
    out.extend(buffer[at:stop] for number, _, at, _, stop in fields if keep or number not in data)
