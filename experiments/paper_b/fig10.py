"""Paper B, Fig. 10: per-channel EE histograms of the learned precoders in one figure.

Each main-job run of a paper-B model (``python -m experiments.train +exp=unfolded_wmmse`` etc.)
writes ``fig10_ee_per_channel.csv`` over the same seeded test set (``evaluation.seed``). This
combines several runs::

    python -m experiments.paper_b.fig10 OUT_DIR RUN_DIR [RUN_DIR ...]

and writes ``OUT_DIR/fig10_histogram.png`` and ``OUT_DIR/fig10_ee_per_channel.csv`` (one column per
model plus Dinkelbach-WMMSE and statistical MRT). Each run was evaluated on its own scenario (the
``scenario`` of its config, e.g. ``scenario=paper_b_separated``), so the figure is at that scenario.
The runs must share it and their test channels: runs whose scenario configs differ are refused,
naming the runs and the fields that differ, and the Dinkelbach-WMMSE column of every run must agree
(to float round-off), otherwise it stops and names the runs that differ.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from experiments.common import write_csv
from experiments.paper_b.learned import plot_histogram
from experiments.xla_env import configure_entry_point

REFERENCE = "dinkelbach_wmmse"


def _read(run: Path) -> tuple[str, dict, dict[str, np.ndarray]]:
    """``(model class name, scenario config, per-channel EE columns)`` of a main-job run."""
    path = run / "fig10_ee_per_channel.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: pass run directories of `python -m experiments.train "
                                "+exp=<paper-B model>`")
    table = np.genfromtxt(path, delimiter=",", names=True)
    config = json.loads((run / "results.json").read_text())["config"]
    if "scenario" not in config:
        raise ValueError(f"{run / 'results.json'} records no scenario: pass runs of the current main job")
    name = config["model"]["_target_"].rsplit(".", 1)[-1]
    return name, config["scenario"], {col: np.asarray(table[col], float) for col in table.dtype.names if col != "channel"}


def combine(out: Path, runs: list[Path]) -> Path:
    """Check that ``runs`` share their scenario and test channels and write the combined histogram
    and CSV."""
    read = [(run, *_read(run)) for run in runs]
    first_run, _, scenario, first = read[0]
    ref = first[REFERENCE]
    for run, _, scen, cols in read[1:]:
        differ = sorted(k for k in {*scenario, *scen} if scenario.get(k) != scen.get(k))
        if differ:
            raise ValueError(f"{run} and {first_run} were evaluated at different scenarios (scenario."
                             + ", scenario.".join(f"{k}: {scen.get(k)!r} vs {scenario.get(k)!r}" for k in differ)
                             + "): pass runs of one scenario")
        if cols[REFERENCE].shape != ref.shape or not np.allclose(cols[REFERENCE], ref, rtol=1e-4):
            raise ValueError(f"{run} and {first_run} were evaluated on different test channels "
                             "(Dinkelbach-WMMSE EE differs): use the same evaluation.seed and num_drops")
    columns = {name: cols["model"] for _, name, _, cols in read}
    columns["Dinkelbach-WMMSE"] = ref
    columns["statistical MRT"] = first["statistical_mrt"]
    out.mkdir(parents=True, exist_ok=True)
    header = ["channel", *list(columns)[:-2], REFERENCE, "statistical_mrt"]
    write_csv(out / "fig10_ee_per_channel.csv", header,
              [(i, *(float(v[i]) for v in columns.values())) for i in range(ref.size)])
    return plot_histogram(columns, out / "fig10_histogram.png")


def main(argv=None) -> None:
    configure_entry_point()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("runs", type=Path, nargs="+")
    args = parser.parse_args(argv)
    print(combine(args.out, args.runs))


if __name__ == "__main__":
    main()
