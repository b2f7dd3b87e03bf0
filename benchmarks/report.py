"""Render a results file of ``benchmarks.run`` as Markdown tables (the form docs/performance.md uses).

    python -m benchmarks.report benchmarks/results/<device>-<date>.json

One table per suite, one row per workload (case, parameters, batch): time per scenario of every
implementation, each reference's time over satjax's, satjax's compile time, achieved GFLOP/s and
fraction of the measured matmul peak (XLA cost analysis), XLA memory and peak RSS growth.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.common import IMPLEMENTATIONS, workloads


def _fmt(x, digits=3):
    if x is None:
        return ""
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


def render(doc: dict) -> str:
    g = doc.get
    peak = g("peak_matmul") or {}
    lines = [f"Device: {g('device', '?')} ({g('platform', '?')}, {g('cores_usable', '?')} usable cores), jax {g('jax', '?')}, "
             f"numpy {g('numpy', '?')}, torch {g('torch')} ({g('torch_threads', '?')} threads), {g('date', '?')}; "
             f"XLA_FLAGS `{g('xla_flags', '')}`; float32 matmul peak of the latest run "
             f"{_fmt(peak.get('gflops_per_s'))} GFLOP/s (n = {peak.get('n', '?')}; each case keeps the peak of its own run)."]
    suites: dict[str, list[dict[str, dict]]] = {}
    for group in workloads(doc.get("cases", [])):
        suites.setdefault(next(iter(group.values()))["suite"], []).append(group)
    for suite, groups in suites.items():
        impls = [i for i in IMPLEMENTATIONS if any(i in g for g in groups)]
        refs = [i for i in impls if i != "satjax"]
        head = (["case", "params", "batch"] + [f"{i} [ms/scen.]" for i in impls] + [f"{i} / satjax" for i in refs]
                + ["compile [s]", "GFLOP/s (peak frac.)", "XLA mem [MB]", "RSS +[MB]", "extra"])
        lines += ["", f"### {suite}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for g in groups:
            any_c = next(iter(g.values()))
            ours = g.get("satjax", {})
            ms = {i: g[i].get("per_scenario_ms") for i in impls if i in g}
            row = [any_c["case"], " ".join(f"{k}={v}" for k, v in any_c["params"].items()), str(any_c["batch"])]
            row += [_fmt(ms.get(i)) for i in impls]
            row += [_fmt(ms[i] / ms["satjax"]) if ms.get(i) and ms.get("satjax") else "" for i in refs]
            peak = f"{ours['gflops_per_s']:.3g} ({ours['fraction_of_peak']:.2f})" if "fraction_of_peak" in ours else ""
            extra = {(k if impl == "satjax" else f"{impl} {k}"): v for impl, c in g.items() for k, v in c.items()
                     if k in ("iterations_mean", "iterations_max", "realizations_per_s", "scenarios")}
            row += [_fmt(ours.get("compile_s")), peak, _fmt(ours.get("xla_memory_mb")), _fmt(ours.get("peak_rss_delta_mb")),
                    ", ".join(f"{k} {_fmt(v)}" for k, v in extra.items())]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", type=Path)
    args = ap.parse_args(argv)
    print(render(json.loads(args.path.read_text())))


if __name__ == "__main__":
    main()
