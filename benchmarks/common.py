"""Timing and reporting helpers shared by the benchmark scripts."""

from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path

import jax


def time_call(fn, *args, repeats):
    t0 = time.perf_counter()
    jax.block_until_ready(fn(*args))
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return first, times


def summarize(first, times, per):
    med = statistics.median(times)
    return {"first_call_s": first, "compile_s_est": max(first - med, 0.0), "steady_median_s": med,
            "steady_min_s": min(times), "steady_max_s": max(times), "per_scenario_ms": 1e3 * med / per}


def header(settings: dict) -> dict:
    """The device, platform and version fields every results file starts with."""
    return {"device": jax.devices()[0].device_kind, "platform": platform.platform(), "jax": jax.__version__,
            "settings": settings, "cases": []}


def report(results: dict, stem: str, out: Path | None) -> Path:
    """Print every case and the ratios; write the JSON to ``out`` or
    ``benchmarks/results/<stem>-<device>.json``."""
    for c in results["cases"]:
        print(json.dumps(c))
    print("ratios:", json.dumps(results.get("ratios", {})))
    out = out or Path("benchmarks/results") / f"{stem}-{results['device'].replace(' ', '_')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")
    return out
