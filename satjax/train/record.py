"""The record of a training run (``run.json`` in its run directory): what was trained on what, so
that a resume can tell the same run from another one.

A fresh ``fit`` writes the record; a resume compares it with the model, task and settings it is
given and refuses a different run (``ResumeMismatchError``, naming every differing key with its
recorded and its new value) instead of treating the earlier run's checkpoints as damaged and
writing over them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jax
import numpy as np

__all__ = ["RECORD_NAME", "ResumeMismatchError", "describe", "read_record", "write_record", "check_resume"]

#: File name of the record in a run directory.
RECORD_NAME = "run.json"

#: Arrays up to this many elements are recorded by value (scenario fields), larger ones by digest.
_MAX_LISTED = 16


class ResumeMismatchError(ValueError):
    """A resume whose model, task or settings differ from those of the run it would continue."""


def _name(obj) -> str:
    return f"{getattr(obj, '__module__', None) or type(obj).__module__}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"


def describe(tree: Any, *, values: bool) -> dict[str, Any]:
    """A JSON-able description of ``tree`` (an Equinox module, dataclass, container or leaf):
    one entry per path (``.layers[0].weight``). Modules and dataclasses give their class name
    (path ``""`` for the root) and every field; arrays give ``dtype[shape]`` and, with
    ``values``, their values (up to 16 elements; larger ones a SHA-1 digest of the bytes);
    numbers, strings and ``None`` themselves; functions and classes their qualified names."""
    out: dict[str, Any] = {}

    def walk(x, path: str) -> None:
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            out[path + "@class"] = _name(type(x))
            for f in dataclasses.fields(x):
                walk(getattr(x, f.name), f"{path}.{f.name}")
        elif isinstance(x, (list, tuple)):
            for i, v in enumerate(x):
                walk(v, f"{path}[{i}]")
        elif isinstance(x, Mapping):
            for k in sorted(x, key=str):
                walk(x[k], f"{path}[{k!r}]")
        elif hasattr(x, "shape") and hasattr(x, "dtype"):
            kind = f"{x.dtype}{list(x.shape)}"                 # no copy to the host for shapes only
            if not values:
                out[path] = kind
                return
            a = np.asarray(jax.random.key_data(x) if jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key) else x)
            if a.size <= _MAX_LISTED:
                out[path] = f"{kind} {a.tolist()}"
            else:
                out[path] = f"{kind} sha1:{hashlib.sha1(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]}"
        elif x is None or isinstance(x, (bool, int, float, str)):
            out[path] = x
        else:
            out[path] = _name(x)

    walk(tree, "")
    return json.loads(json.dumps(out))                     # as it reads back from the file


def read_record(run_dir: str | Path) -> dict | None:
    """The record of the run in ``run_dir``, ``None`` if it has none."""
    path = Path(run_dir) / RECORD_NAME
    return json.loads(path.read_text()) if path.is_file() else None


def write_record(run_dir: str | Path, record: Mapping[str, Any]) -> Path:
    """Write ``record`` (parts such as ``config``, ``model``, ``task``, ``settings``)."""
    path = Path(run_dir) / RECORD_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, sort_keys=True))
    return path


def _flat(part: Any, prefix: str) -> dict[str, Any]:
    if isinstance(part, Mapping):
        out = {}
        for k, v in part.items():
            key = f"{prefix}{k}" if not prefix or not k or str(k).startswith((".", "[", "@")) else f"{prefix}.{k}"
            out |= _flat(v, key)
        return out
    return {prefix: part}


def check_resume(run_dir: str | Path, *, hint: str = "", **parts: Mapping[str, Any] | None) -> None:
    """Refuse to resume the run in ``run_dir`` with ``parts`` (e.g. ``config=``, ``model=``,
    ``task=``, ``settings=``) that differ from its record; parts either side lacks are not
    compared, nor is a run without a record. The ``ResumeMismatchError`` lists the differing keys
    (recorded -> now), those of ``config`` first (the caller's own keys) and, when the config
    differs, only those; ``hint`` says how to start a new run instead."""
    recorded = read_record(run_dir)
    if recorded is None:
        return
    diffs = {}
    for name, part in parts.items():
        if part is None or recorded.get(name) is None:
            continue
        old = _flat(recorded[name], "" if name == "config" else name)
        new = _flat(json.loads(json.dumps(part)), "" if name == "config" else name)
        diffs[name] = [f"{k}: {old.get(k, '(absent)')!r} -> {new.get(k, '(absent)')!r}"
                       for k in sorted(set(old) | set(new), key=str) if old.get(k, "(absent)") != new.get(k, "(absent)")]
    lines = diffs.get("config") or [d for name in parts if name != "config" for d in diffs.get(name, [])]
    if not lines:
        return
    shown = "; ".join(lines[:8]) + (f"; and {len(lines) - 8} more" if len(lines) > 8 else "")
    raise ResumeMismatchError(
        f"resume refused: {Path(run_dir)} holds a run of another model, task or settings (recorded -> now): {shown}. "
        "Nothing was changed. To continue that run, resume with its recorded values "
        f"({Path(run_dir) / RECORD_NAME}); to train this configuration, start a new run in another directory"
        + (f" ({hint})" if hint else "") + ".")
