"""A benchmark suite that produces one case and then never another (a stand-in for an XLA stall),
for the runner's per-case time limit test."""

import time

from benchmarks.common import case


def run(settings):
    yield case("stalling", "first", "satjax", {}, 1, {"per_scenario_ms": 1.0})
    while True:                       # what a hung block_until_ready looks like from Python
        time.sleep(0.05)
