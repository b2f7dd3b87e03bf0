"""Run every example at tiny size in this one process (``python -m tests.examples.run_tiny OUT [RUN_DIR]``).

One interpreter for all of them; each example's outcome (its result, or the error) goes to
``OUT/outcomes.json`` for the tests in ``test_examples.py`` to check.
"""

import importlib
import json
import sys
import time
import traceback
from pathlib import Path

EXAMPLES = ["flax_nnx_power_control", "equinox_power_control", "shgnn_in_flax", "sweep_pmax", "design_pilot_power",
            "custom_utility_policy", "unfolded_precoder_layer", "checkpoint_policy"]


def main(argv):
    out = Path(argv[0])
    run_dir = argv[1] if len(argv) > 1 else None
    outcomes = {}
    for name in EXAMPLES:
        args = [str(out / name), "--tiny"]
        if name == "checkpoint_policy":
            if run_dir is None:
                continue
            args = [run_dir, str(out / name), "--users", "6", "--tiny"]
        t0 = time.perf_counter()
        try:
            result = importlib.import_module(f"examples.{name}").main(args)
            outcomes[name] = {"ok": True, "result": result}
        except Exception:  # noqa: BLE001 - reported per example by the tests
            outcomes[name] = {"ok": False, "error": traceback.format_exc()}
        outcomes[name]["seconds"] = time.perf_counter() - t0
        (out / "outcomes.json").write_text(json.dumps(outcomes, indent=1, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
