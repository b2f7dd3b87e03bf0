"""Run satjax's benchmark suites side by side with the NumPy and PyTorch references.

    python -m benchmarks.run [--suite NAME ...] [--quick] [--repeats N] [--no-torch-compile] [--out FILE]

Prints one table per run (time per scenario of every implementation and its ratio to satjax)
and writes ``benchmarks/results/<device>-<date>.json`` (``...-quick.json`` with ``--quick``)
after every case (device, versions,
threading, settings, the measured matmul peak, and per case: compile time, steady-state
median/min/max, time per scenario, XLA FLOPs and memory, peak RSS growth; then the ratios).
Suites: closed_form (+ scaling, roofline, Monte Carlo), algorithm1, shgnn, downlink. On a GPU
machine the same command writes that device's own file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks.common import Settings, environment, measure_peak_gflops, results_path, table, write_results
from benchmarks.suites import SUITES


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", action="append", choices=sorted(SUITES), help="run only these suites (repeatable)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes and few repeats (a smoke run, < 2 min)")
    ap.add_argument("--repeats", type=int, default=None,
                    help="timed calls per case (default 7; 3 with --quick); expensive suites use fewer, and every "
                         "case records its own count")
    ap.add_argument("--no-torch-compile", action="store_true", help="skip torch.compile (always skipped with --quick)")
    ap.add_argument("--out", type=Path, default=None, help="results file (default benchmarks/results/<device>-<date>.json)")
    args = ap.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 7)
    if repeats < 1:
        ap.error(f"--repeats must be >= 1, got {repeats}")
    if args.out is not None and (args.out.is_dir() or args.out.suffix != ".json"):
        ap.error(f"--out must be a .json file path, got {str(args.out)!r}")
    suites = list(dict.fromkeys(args.suite or SUITES))                  # each once, in the order given
    env = environment()
    out = args.out or results_path(env, args.quick)
    peak = measure_peak_gflops(512 if args.quick else 2048)
    settings = Settings(quick=args.quick, repeats=repeats, torch_compile=not args.no_torch_compile,
                        peak_gflops=peak["gflops_per_s"])
    print(f"{env['device']} ({env['platform']}), jax {env['jax']}, torch {env.get('torch')}; "
          f"matmul peak {peak['gflops_per_s']:.1f} GFLOP/s (float32, n = {peak['n']})")
    cases, t0 = [], time.perf_counter()
    for name in suites:
        for c in SUITES[name](settings):
            cases.append(c)
            write_results(out, env, settings, cases, {"peak_matmul": peak})
            print(f"  {c['suite']}/{c['case']} {c['impl']} {c['params']} batch {c['batch']}: "
                  f"{c.get('per_scenario_ms', float('nan')):.4g} ms/scenario", flush=True)
    print(table(cases))
    print(f"wrote {out} ({time.perf_counter() - t0:.0f} s)")
    return {"path": out, "cases": cases}


if __name__ == "__main__":
    main()
