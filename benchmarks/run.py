"""Run satjax's benchmark suites side by side with the NumPy and PyTorch references.

    python -m benchmarks.run [--suite NAME ...] [--quick] [--max-cases N] [--repeats N] [--no-torch-compile] [--out FILE]

Prints one table per run (time per scenario of every implementation and its ratio to satjax)
and writes ``benchmarks/results/<device>-<date>.json`` (``...-quick.json`` with ``--quick``)
after every case (device, versions,
threading, settings, the measured matmul peak, and per case: compile time, steady-state
median/min/max, time per scenario, XLA FLOPs and memory, peak RSS growth; then the ratios).
Suites: closed_form (+ scaling, roofline, Monte Carlo), algorithm1, shgnn, downlink, precoders, sweep, sweep_scaling,
uav, batched, orbits, ntn, rank_k. On a GPU machine the same command writes that device's own
file. ``--quick --max-cases 2`` is the smoke run of the test suite: each suite's first two cases
(satjax and its reference) at tiny sizes.

Each suite runs in a child process. If no case arrives within ``--case-timeout`` seconds (a stall
or a runaway case), the child's Python stack is dumped, the child is stopped, and the run records
a failed case naming the suite, the last case that finished and where the child was, then goes on
with the next suite.
"""

from __future__ import annotations

import argparse
import faulthandler
import itertools
import multiprocessing
import os
import queue
import signal
import tempfile
import time
from pathlib import Path

from benchmarks.common import Settings, environment, measure_peak_gflops, results_path, table, write_results
from benchmarks.suites import SUITES
from experiments.xla_env import configure_entry_point


def _suite_child(fn, settings: Settings, out: multiprocessing.Queue, trace_path: str) -> None:
    """Run one suite in a child process, sending ``READY`` once the process is up (interpreter,
    imports), then every case to ``out`` (None at the end)."""
    configure_entry_point()
    trace = open(trace_path, "w")                                       # noqa: SIM115 - kept open for the signal
    faulthandler.register(signal.SIGUSR1, file=trace, all_threads=True)
    out.put(READY)
    for c in itertools.islice(fn(settings), settings.max_cases):
        out.put(c)
    out.put(None)


def _where(trace_text: str) -> str:
    """The innermost benchmark frame of a faulthandler dump (the case that was running)."""
    frames = [ln.strip() for ln in trace_text.splitlines() if "benchmarks" in ln or "satjax" in ln]
    return frames[0] if frames else trace_text.strip().splitlines()[-1:][0] if trace_text.strip() else "unknown"


#: What a suite's child process sends once it is up, before its first case.
READY = "ready"


def _wait_for_dump(trace: Path, limit_s: float = 2.0, quiet_s: float = 0.2) -> None:
    """Wait until the child's stack dump in ``trace`` has stopped growing for ``quiet_s`` seconds
    (at most ``limit_s`` seconds in all: a child that cannot dump leaves what it wrote, perhaps
    nothing)."""
    deadline, size, since = time.monotonic() + limit_s, -1, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = trace.stat().st_size
        if now != size:
            size, since = now, time.monotonic()
        elif now and time.monotonic() - since >= quiet_s:
            return


def run_suites(suites: dict, settings: Settings, *, case_timeout: float, on_case=lambda c: None,
               startup_timeout: float = 300.0) -> list[dict]:
    """Run each ``name -> generator function`` in ``suites`` in its own child process and collect
    the cases; a suite that yields nothing for ``case_timeout`` seconds is stopped and recorded
    as a failed case (``"failed"`` says why, ``"where"`` gives the stack frame it was in). The
    child's start-up (interpreter, imports: seconds, more on a loaded machine) has its own limit,
    ``startup_timeout``, so ``case_timeout`` measures the suite alone."""
    ctx = multiprocessing.get_context("spawn")
    cases = []

    def record_failure(suite: str, case: str, failed: str, where: str) -> None:
        c = {"suite": suite, "case": case, "impl": "satjax", "params": {}, "batch": 0, "failed": failed, "where": where}
        cases.append(c)
        on_case(c)

    for name, fn in suites.items():
        q = ctx.Queue()
        with tempfile.NamedTemporaryFile("w+", suffix=".trace", delete=False) as tf:
            trace_path = tf.name
        proc = ctx.Process(target=_suite_child, args=(fn, settings, q, trace_path), daemon=True)
        proc.start()
        last = None
        try:
            try:
                started = q.get(timeout=startup_timeout)
            except queue.Empty:
                started = None
            if started != READY:
                record_failure(name, "start", f"child process did not start within {startup_timeout:g} s"
                               if proc.is_alive() else f"child process died at start-up (exit code {proc.exitcode})",
                               "start-up")
                continue
            while True:
                try:
                    c = q.get(timeout=case_timeout)
                except queue.Empty:
                    failed = f"no case within {case_timeout:g} s (stalled or too slow)"
                    if not proc.is_alive():
                        failed = f"child process died (exit code {proc.exitcode})"
                    else:
                        os.kill(proc.pid, signal.SIGUSR1)
                        _wait_for_dump(Path(trace_path))
                    record_failure(name, f"after {last['case'] if last else 'start'}", failed,
                                   _where(Path(trace_path).read_text()))
                    break
                if c is None:
                    break
                cases.append(c)
                last = c
                on_case(c)
        finally:
            if proc.is_alive():
                proc.terminate()
            proc.join(10)
            Path(trace_path).unlink(missing_ok=True)
    return cases


def main(argv=None) -> dict:
    configure_entry_point()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", action="append", choices=sorted(SUITES), help="run only these suites (repeatable)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes and few repeats (a smoke run, < 2 min)")
    ap.add_argument("--max-cases", type=int, default=None,
                    help="stop each suite after its first N cases (a smoke run: --quick --max-cases 2)")
    ap.add_argument("--repeats", type=int, default=None,
                    help="timed calls per case (default 7; 3 with --quick); expensive suites use fewer, and every "
                         "case records its own count")
    ap.add_argument("--no-torch-compile", action="store_true", help="skip torch.compile (always skipped with --quick)")
    ap.add_argument("--out", type=Path, default=None, help="results file (default benchmarks/results/<device>-<date>.json)")
    ap.add_argument("--case-timeout", type=float, default=None,
                    help="seconds a suite may go without producing a case before it is stopped and reported as failed "
                         "(default 1800; 600 with --quick)")
    args = ap.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 7)
    if repeats < 1:
        ap.error(f"--repeats must be >= 1, got {repeats}")
    if args.out is not None and (args.out.is_dir() or args.out.suffix != ".json"):
        ap.error(f"--out must be a .json file path, got {str(args.out)!r}")
    if args.max_cases is not None and args.max_cases < 1:
        ap.error(f"--max-cases must be >= 1, got {args.max_cases}")
    case_timeout = args.case_timeout if args.case_timeout is not None else (600.0 if args.quick else 1800.0)
    if not case_timeout > 0:
        ap.error(f"--case-timeout must be > 0 s, got {case_timeout}")
    suites = list(dict.fromkeys(args.suite or SUITES))                  # each once, in the order given
    env = environment()
    out = args.out or results_path(env, args.quick)
    peak = measure_peak_gflops(512 if args.quick else 2048)
    settings = Settings(quick=args.quick, repeats=repeats, torch_compile=not args.no_torch_compile,
                        peak_gflops=peak["gflops_per_s"], max_cases=args.max_cases)
    print(f"{env['device']} ({env['platform']}), jax {env['jax']}, torch {env.get('torch')}; "
          f"matmul peak {peak['gflops_per_s']:.1f} GFLOP/s (float32, n = {peak['n']})")
    cases, t0 = [], time.perf_counter()

    def on_case(c):
        cases.append(c)
        write_results(out, env, settings, cases, {"peak_matmul": peak})
        if "failed" in c:
            print(f"  FAILED {c['suite']}/{c['case']}: {c['failed']} (in {c['where']})", flush=True)
        else:
            print(f"  {c['suite']}/{c['case']} {c['impl']} {c['params']} batch {c['batch']}: "
                  f"{c.get('per_scenario_ms', float('nan')):.4g} ms/scenario", flush=True)

    run_suites({name: SUITES[name] for name in suites}, settings, case_timeout=case_timeout, on_case=on_case)
    print(table([c for c in cases if "failed" not in c]))
    print(f"wrote {out} ({time.perf_counter() - t0:.0f} s)")
    return {"path": out, "cases": cases, "failed": [c for c in cases if "failed" in c]}


if __name__ == "__main__":
    main()
