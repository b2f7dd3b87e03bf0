"""Timing, memory and reporting shared by every benchmark suite.

A *case* is one implementation (``satjax``, ``numpy``, ``torch``, ``torch.compile``) of one
workload (``case`` name + ``params``) at one batch size. Every timing blocks on the result
(``jax.block_until_ready``; PyTorch CPU ops are synchronous, CUDA is synchronized), the warm-up
call is excluded, and for JAX the compile time is measured on its own by ahead-of-time
``lower(...).compile()``, so steady state never includes it.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import jax
import numpy as np

from experiments.xla_env import usable_cores

IMPLEMENTATIONS = ("satjax", "numpy", "torch", "torch.compile", "paper")


@dataclass(frozen=True)
class Settings:
    """What every suite is told: ``quick`` (tiny sizes, for tests and smoke runs), ``repeats``
    (timed calls per case after the warm-up), whether to try ``torch.compile``, the measured
    matmul peak [GFLOP/s] for the roofline fractions (None until measured), and ``max_cases``
    (stop each suite after its first ``max_cases`` cases; None runs them all)."""

    quick: bool = False
    repeats: int = 7
    torch_compile: bool = True
    peak_gflops: float | None = None
    max_cases: int | None = None


def block(out):
    """Wait for every array in ``out`` (JAX arrays; CUDA tensors synchronize their device)."""
    jax.block_until_ready([x for x in jax.tree.leaves(out) if isinstance(x, jax.Array)])
    if any(type(x).__module__.startswith("torch") and getattr(x, "is_cuda", False) for x in jax.tree.leaves(out)):
        import torch

        torch.cuda.synchronize()
    return out


class PeakRSS:
    """Peak resident set size above the level at entry, sampled every ``interval`` seconds by a
    thread (Linux ``/proc/self/statm``; ``delta_mb`` is None elsewhere). Catches transient
    allocations of calls that last longer than the interval."""

    def __init__(self, interval: float = 5e-4):
        self.interval, self.delta_mb = interval, None
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def _rss(self):
        try:
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * self._page
        except OSError:
            return None

    def __enter__(self):
        self._base = self._peak = self._rss()
        self._stop = threading.Event()
        if self._base is not None:
            self._thread = threading.Thread(target=self._poll, daemon=True)
            self._thread.start()
        return self

    def _poll(self):
        while not self._stop.is_set():
            self._peak = max(self._peak, self._rss() or 0)
            time.sleep(self.interval)

    def __exit__(self, *exc):
        self._stop.set()
        if self._base is not None:
            self._thread.join()
            self._peak = max(self._peak, self._rss() or 0)
            self.delta_mb = (self._peak - self._base) / 2**20


def _timings(call, repeats: int, per: int) -> dict:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        block(call())
        times.append(time.perf_counter() - t0)
    with PeakRSS() as mem:                        # its own, untimed call: the sampler thread costs CPU
        block(call())
    med = statistics.median(times)
    return {"median_s": med, "min_s": min(times), "max_s": max(times), "repeats": repeats,
            "per_scenario_ms": 1e3 * med / per, "peak_rss_delta_mb": mem.delta_mb}


def time_jax(fn, *args, repeats: int, per: int = 1, settings: Settings | None = None, roofline: bool = False) -> dict:
    """Compile ``jax.jit(fn)`` for ``args`` ahead of time (``compile_s``), record XLA's memory
    analysis (``xla_memory_mb`` = arguments + outputs + temporaries), then time the compiled
    program: one warm-up call, ``repeats`` timed calls. With ``roofline`` (loop-free programs
    only: XLA's cost analysis counts a ``while``/``scan`` body once), also ``flops``, achieved
    ``gflops_per_s`` and ``fraction_of_peak`` (XLA counts a complex multiply-add as 2 FLOPs, like
    a real one; in real arithmetic it is 8, so complex-heavy programs do up to 4x the work shown)."""
    jitted = fn if hasattr(fn, "lower") else jax.jit(fn)
    t0 = time.perf_counter()
    lowered = jitted.lower(*args)
    compiled = lowered.compile()
    compile_s = time.perf_counter() - t0
    block(compiled(*args))
    out = {"compile_s": compile_s, **_timings(lambda: compiled(*args), repeats, per)}
    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    if roofline and cost and cost.get("flops"):
        out["flops"] = float(cost["flops"])
        out["gflops_per_s"] = out["flops"] / out["median_s"] / 1e9
        if settings is not None and settings.peak_gflops:
            out["peak_gflops"] = settings.peak_gflops                   # this run's ceiling, kept with the case
            out["fraction_of_peak"] = out["gflops_per_s"] / settings.peak_gflops
    mem = compiled.memory_analysis()
    if mem is not None:
        total = sum(getattr(mem, f, 0) or 0 for f in ("argument_size_in_bytes", "output_size_in_bytes", "temp_size_in_bytes"))
        out["xla_memory_mb"] = total / 2**20
    return out


def time_eager(fn, *args, repeats: int, per: int = 1) -> dict:
    """Time any callable (NumPy, PyTorch, a jitted function): the first call (``first_call_s``:
    warm-up, or compilation for ``torch.compile``/``jit``) is reported apart and excluded; then
    ``repeats`` timed calls."""
    t0 = time.perf_counter()
    block(fn(*args))
    first = time.perf_counter() - t0
    out = _timings(lambda: fn(*args), repeats, per)
    return {"first_call_s": first, **out}


def torch_compiled(fn):
    """``torch.compile(fn)`` for one workload: Dynamo's caches are reset first, so a suite that
    compiles many shapes never reaches its recompile limit (past it, torch silently runs eager)."""
    import torch

    torch._dynamo.reset()
    return torch.compile(fn, dynamic=False)


def measure_peak_gflops(n: int) -> dict:
    """The machine's float32 matmul throughput through XLA (an ``n x n`` by ``n x n`` product,
    2 n^3 FLOPs): the roofline's compute ceiling for this run."""
    a = jax.random.normal(jax.random.key(0), (n, n), np.float32)
    stats = time_jax(lambda x: x @ x, a, repeats=5, roofline=True)
    return {"n": n, "median_s": stats["median_s"], "gflops_per_s": 2 * n**3 / stats["median_s"] / 1e9}


def case(suite: str, name: str, impl: str, params: dict, batch: int, stats: dict, **extra) -> dict:
    if impl not in IMPLEMENTATIONS:
        raise ValueError(f"impl must be one of {IMPLEMENTATIONS}, got {impl!r}")
    return {"suite": suite, "case": name, "impl": impl, "params": params, "batch": batch, **stats, **extra}


def workloads(cases: list[dict]) -> list[dict[str, dict]]:
    """Cases grouped by workload (suite, case, params, batch), in first-seen order; each group
    maps implementation -> case."""
    groups: dict[str, dict[str, dict]] = {}
    for c in cases:
        key = json.dumps([c["suite"], c["case"], c["params"], c["batch"]], sort_keys=True)
        groups.setdefault(key, {})[c["impl"]] = c
    return list(groups.values())


def ratios(cases: list[dict]) -> list[dict]:
    """For every workload (suite, case, params, batch) that has a satjax timing: each other
    implementation's time per scenario over satjax's (> 1: satjax faster)."""
    out = []
    for group in workloads(cases):
        ours = group.get("satjax")
        if ours is None:
            continue
        for impl, other in group.items():
            if impl != "satjax" and other.get("per_scenario_ms"):
                out.append({"suite": ours["suite"], "case": ours["case"], "params": ours["params"], "batch": ours["batch"],
                            "impl": impl, "over_satjax": other["per_scenario_ms"] / ours["per_scenario_ms"]})
    return out


def environment() -> dict:
    """Device, versions and threading of this run."""
    dev = jax.devices()[0]
    env = {"device": dev.device_kind, "platform": dev.platform, "num_devices": jax.device_count(),
           "host": platform.platform(), "cpu_count": os.cpu_count(), "python": platform.python_version(),
           "jax": jax.__version__, "numpy": np.__version__, "xla_flags": os.environ.get("XLA_FLAGS", ""),
           "date": datetime.date.today().isoformat()}
    if (cores := usable_cores()) is not None:
        env["cores_usable"] = len(cores)
    try:
        import torch

        env.update(torch=torch.__version__, torch_threads=torch.get_num_threads())
    except ImportError:
        env["torch"] = None
    return env


def results_path(env: dict, quick: bool = False, directory: Path = Path("benchmarks/results")) -> Path:
    """``benchmarks/results/<device>-<date>.json`` (device name lower-cased, non-alphanumerics as
    -); ``...-quick.json`` for smoke runs, so they never mix with full results."""
    slug = re.sub(r"[^a-z0-9]+", "-", env["device"].lower()).strip("-") or env["platform"]
    return directory / f"{slug}-{env['date']}{'-quick' if quick else ''}.json"


def write_results(path: Path, env: dict, settings: Settings, cases: list[dict], extra: dict) -> None:
    """Write (atomically) the run so far; cases of suites not in this run are kept from an
    existing file of the same device and date, so suites run one by one accumulate."""
    suites = {c["suite"] for c in cases}
    kept = []
    if path.exists():
        try:
            old = json.loads(path.read_text())
            same = old.get("device") == env.get("device") and old.get("settings", {}).get("quick") == settings.quick
            kept = [c for c in old.get("cases", []) if c["suite"] not in suites] if same else []
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            kept = []
    all_cases = kept + cases
    doc = {**env, "settings": {"quick": settings.quick, "repeats": settings.repeats, "torch_compile": settings.torch_compile,
                               "max_cases": settings.max_cases},
           **extra, "cases": all_cases, "ratios": ratios(all_cases)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1, default=float))
    tmp.replace(path)


def table(cases: list[dict]) -> str:
    """One row per workload: time per scenario of each implementation and its ratio to satjax."""
    impls = [i for i in IMPLEMENTATIONS if any(c["impl"] == i for c in cases)]
    rows = []
    head = ["suite", "case", "params", "batch"] + [f"{i} ms" for i in impls] + [f"{i}/satjax" for i in impls if i != "satjax"]
    for group in workloads(cases):
        any_c = next(iter(group.values()))
        ms = {i: group[i]["per_scenario_ms"] for i in impls if i in group and group[i].get("per_scenario_ms")}
        params = " ".join(f"{k}={v}" for k, v in any_c["params"].items())
        row = [any_c["suite"], any_c["case"], params, str(any_c["batch"])]
        row += [f"{ms[i]:.4g}" if i in ms else "" for i in impls]
        row += [f"{ms[i] / ms['satjax']:.3g}" if i in ms and "satjax" in ms else "" for i in impls if i != "satjax"]
        rows.append(row)
    widths = [max(len(r[j]) for r in [head] + rows) for j in range(len(head))]
    fmt = lambda r: "  ".join(x.ljust(w) for x, w in zip(r, widths))  # noqa: E731
    return "\n".join([fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])
