"""Parameter sweeps: one compiled ``vmap`` over a physical parameter against today's alternatives.

A 64-point sweep of the budget ``p_max_w`` of

* system A: mean sum spectral efficiency of a batch of drops (sampled inside the program from the
  parameters) with the closed form (Theorem 1) at full power;
* system B: mean energy efficiency (bound (9)) of statistical MRT at full power over a batch of drops.

Three ways, wall time *including compilation* (the point of the exercise):

* ``vmap``: :func:`satjax.sweep` in one ``jax.jit`` — one program, one compilation;
* ``recompile``: 64 calls that each compile anew (the behaviour when physical parameters were
  static fields: every new value a new program);
* ``compiled_once``: 64 calls of one program compiled once (values as traced arguments).

Every way computes the same numbers (checked: max relative difference recorded).
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.common import Settings, case
from satjax import sweep
from satjax.downlink import DownlinkParams, energy_efficiency, sample_downlink_scenario, statistical_mrt
from satjax.uplink import UplinkParams, closed_form_sinr, sample_uplink_scenario

SUITE = "sweep"


def _uplink_metric(keys):
    def metric(params):
        def one(key):
            s = sample_uplink_scenario(key, params)
            return jnp.sum(jnp.log1p(closed_form_sinr(s.stats, s.p_max_w))) / jnp.log(2.0)
        return jnp.mean(jax.vmap(one)(keys))
    return metric


def _downlink_metric(keys):
    def metric(params):
        def one(key):
            p = sample_downlink_scenario(key, params).problem
            return energy_efficiency(p, statistical_mrt(p.v, p.p_max_w))
        return jnp.mean(jax.vmap(one)(keys))
    return metric


def _wall(fn) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    out = np.asarray(jax.block_until_ready(fn()))
    return time.perf_counter() - t0, out


def _three_ways(metric, params, values):
    jax.clear_caches()
    t_vmap, ref = _wall(lambda: jax.jit(lambda v: sweep(metric, params, p_max_w=v))(values))

    jax.clear_caches()

    def recompiling():
        outs = []
        for v in np.asarray(values):
            f = jax.jit(lambda pm=float(v): metric(params.replace(p_max_w=pm)))     # the value is a constant
            outs.append(f())
        return jnp.stack(outs)

    t_re, out_re = _wall(recompiling)

    jax.clear_caches()
    once = jax.jit(lambda pm: metric(params.replace(p_max_w=pm)))
    t_once, out_once = _wall(lambda: jnp.stack([once(v) for v in values]))
    diff = max(float(np.max(np.abs(o - ref) / np.abs(ref))) for o in (out_re, out_once))
    return {"vmap": t_vmap, "recompile": t_re, "compiled_once": t_once}, diff


def run(settings: Settings):
    n_points = 3 if settings.quick else 64          # quick: "recompile" compiles once per point
    drops = 2 if settings.quick else 16
    keys = jax.random.split(jax.random.key(0), drops)
    systems = {
        "uplink_closed_form": (_uplink_metric(keys), UplinkParams(num_users=10 if settings.quick else 20,
                                                                  num_aps=8 if settings.quick else 40, tau_p=5 if settings.quick else 10),
                               jnp.geomspace(0.01, 1.0, n_points)),
        "downlink_ee_mrt": (_downlink_metric(keys), DownlinkParams(n_h=4, n_v=4, num_users=4) if settings.quick else DownlinkParams(),
                            jnp.geomspace(0.5, 50.0, n_points)),
    }
    for name, (metric, params, values) in systems.items():
        walls, diff = _three_ways(metric, params, values)
        desc = {"points": n_points, "drops": drops, "K": params.num_users}
        for way, wall in walls.items():
            yield case(SUITE, f"{name}:{way}", "satjax", desc, n_points,
                       {"median_s": wall, "per_scenario_ms": 1e3 * wall / n_points, "wall_s_including_compile": wall,
                        "repeats": 1}, max_rel_diff_vs_vmap=diff,
                       speedup_of_vmap=wall / walls["vmap"])
