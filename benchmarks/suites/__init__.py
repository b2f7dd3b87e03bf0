"""Benchmark suites: each ``run(settings)`` yields result cases (see benchmarks/common.py)."""

from benchmarks.suites import (algorithm1, batched, closed_form, downlink, ntn, orbits, precoders, rank_k, shgnn,
                               sweep, sweep_scaling, uav)

#: name -> generator of cases, in the order ``benchmarks.run`` runs them.
SUITES = {"closed_form": closed_form.run, "algorithm1": algorithm1.run, "shgnn": shgnn.run, "downlink": downlink.run,
          "precoders": precoders.run, "sweep": sweep.run, "uav": uav.run,
          "sweep_scaling": sweep_scaling.run, "batched": batched.run, "orbits": orbits.run, "ntn": ntn.run,
          "rank_k": rank_k.run}
