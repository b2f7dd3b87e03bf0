"""Metrics of a training run, appended to CSV and/or JSONL as they happen (TensorBoard as well
when ``tensorboardX`` is installed).

Files are opened in append mode and flushed after every row, so a killed run keeps every row it
logged. On resume, ``MetricsLog.truncate_after`` drops the rows logged after the restored
checkpoint: the resumed run logs them again, identically, and the files read as one run.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["METRIC_FORMATS", "MetricsLog"]

METRIC_FORMATS = ("csv", "jsonl", "tensorboard")


def _plain(v):
    if v is None:
        return None
    v = float(v) if not isinstance(v, (int, str)) else v
    return None if isinstance(v, float) and not math.isfinite(v) else v


class MetricsLog:
    """Row-wise metrics writer.

    Arguments:
        directory: the run directory (``metrics.csv`` / ``metrics.jsonl`` / ``tensorboard/``).
        fields: CSV columns, ``step`` first; a row may leave any of them empty.
        formats: any of ``"csv"``, ``"jsonl"``, ``"tensorboard"`` (silently skipped when
            ``tensorboardX`` is not installed).
    """

    def __init__(self, directory: str | Path, fields: Sequence[str], formats: Sequence[str] = ("csv", "jsonl")):
        for f in formats:
            if f not in METRIC_FORMATS:
                raise ValueError(f"metrics format must be one of {METRIC_FORMATS}, got {f!r}")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.fields = ["step"] + [f for f in fields if f != "step"]
        self.formats = tuple(formats)
        self._tb = None
        if "tensorboard" in self.formats:
            try:
                from tensorboardX import SummaryWriter  # optional dependency
            except ImportError:
                pass
            else:
                self._tb = SummaryWriter(str(self.directory / "tensorboard"))

    @property
    def csv_path(self) -> Path:
        return self.directory / "metrics.csv"

    @property
    def jsonl_path(self) -> Path:
        return self.directory / "metrics.jsonl"

    def log(self, step: int, values: Mapping[str, float | int | str | None]) -> None:
        """Append one row (``step`` plus ``values``) to every enabled file."""
        row = {"step": int(step), **{k: _plain(v) for k, v in values.items()}}
        if "csv" in self.formats:
            new = not self.csv_path.exists() or self.csv_path.stat().st_size == 0
            with open(self.csv_path, "a", newline="") as f:
                w = csv.DictWriter(f, fieldnames=self.fields, extrasaction="ignore")
                if new:
                    w.writeheader()
                w.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in self.fields})
        if "jsonl" in self.formats:
            with open(self.jsonl_path, "a") as f:
                f.write(json.dumps(row) + "\n")
        if self._tb is not None:
            for k, v in row.items():
                if k != "step" and isinstance(v, (int, float)):
                    self._tb.add_scalar(k, v, row["step"])
            self._tb.flush()

    def truncate_after(self, step: int) -> None:
        """Drop rows with ``step`` greater than the given one (resume from that checkpoint)."""
        if self.csv_path.exists():
            with open(self.csv_path, newline="") as f:
                rows = [r for r in csv.DictReader(f) if int(r["step"]) <= step]
            with open(self.csv_path, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=self.fields, extrasaction="ignore")
                w.writeheader()
                w.writerows(rows)
        if self.jsonl_path.exists():
            lines = [ln for ln in self.jsonl_path.read_text().splitlines()
                     if ln.strip() and json.loads(ln)["step"] <= step]
            self.jsonl_path.write_text("".join(ln + "\n" for ln in lines))

    def read(self) -> list[dict]:
        """All rows logged so far (from the JSONL file, else the CSV)."""
        if self.jsonl_path.exists():
            return [json.loads(ln) for ln in self.jsonl_path.read_text().splitlines() if ln.strip()]
        if self.csv_path.exists():
            with open(self.csv_path, newline="") as f:
                return [{k: (float(v) if v not in ("",) else None) for k, v in r.items()} for r in csv.DictReader(f)]
        return []

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()
