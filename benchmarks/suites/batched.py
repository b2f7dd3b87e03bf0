"""Batched solvers in ``Solve`` mode: a batch of 64 scenarios against one scenario at a time.

For each iterative algorithm — system A's Algorithm 1, system B's Dinkelbach-WMMSE, system C's
Algorithms 3 and 6, each with its default ``Solve`` settings and the default sizes of its system,
float32 — three ways to solve the same ``B`` drops (``B = 64``; 4 in quick mode):

* ``one_at_a_time``: ``jax.jit(fn)`` called on each drop in a Python loop (the reference);
* ``vmap``: ``jax.jit(jax.vmap(fn))`` (before: every drop runs until the slowest stops);
* ``solve_batch``: ``jax.jit(satjax.optim.solve_batch(fn, ...))`` with its default batch size
  (1 on the CPU; the whole batch elsewhere), and off the CPU also with the chunk sizes of
  :data:`ACCELERATOR_BATCH_SIZES`, to find the accelerator's best.

Reported per drop; each case also records its time over the one-at-a-time time
(``over_one_at_a_time``), the iteration counts of the drops, and whether its outputs are
bitwise those of the one-at-a-time loop (else the largest absolute difference). Besides wall
time, the process CPU time per drop (``cpu_per_scenario_ms``, the fastest of the timed calls;
``cpu_over_one_at_a_time``): on a machine shared with other jobs, wall time measures the load as
much as the program.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.common import Settings, case, time_eager, time_jax
from satjax.downlink import DownlinkParams, dinkelbach_wmmse, sample_downlink_scenario
from satjax.optim import default_batch_size, solve_batch
from satjax.uav import UavParams, algorithm3, algorithm6, sample_uav_scenario
from satjax.uplink import UplinkParams, algorithm1, sample_uplink_scenario, siso_problem

SUITE = "batched"
#: Chunk sizes also timed off the CPU, where ``solve_batch``'s default is the plain ``vmap`` (not
#: measured yet): one drop at a time, and chunks of 8 and 16.
ACCELERATOR_BATCH_SIZES = (1, 8, 16)


def _algorithm1(scenario):
    r = algorithm1(siso_problem(scenario.stats), scenario.p_max_w)
    return r.rho, r.trace.num_iters


def _dinkelbach(problem):
    b, ee, trace = dinkelbach_wmmse(problem)
    return b, trace.num_iters


def _bcd(fn):
    def run(scenario):
        r = fn(scenario)
        return (r.x, r.p, r.tau), r.trace.num_iters
    return run


def _solvers(quick: bool):
    """name -> (per-drop function, drops ``[B, ...]``, sizes) in float32."""
    b = 4 if quick else 64
    keys = jax.random.split(jax.random.key(26), b)
    up = UplinkParams(num_users=3, num_aps=4, n_v=2, n_h=2, tau_p=2) if quick else UplinkParams()
    down = DownlinkParams(n_v=2, n_h=2, num_users=2, num_paths=2) if quick else DownlinkParams()
    uav = (UavParams(num_uavs=2, num_groups=2, users_per_group=2, num_sat_users=2, num_subchannels=3,
                     num_rx_antennas=2) if quick else UavParams())
    uav_drops = jax.vmap(lambda k: sample_uav_scenario(k, uav, jnp.float32))(keys)
    return {
        "algorithm1": (_algorithm1, jax.vmap(lambda k: sample_uplink_scenario(k, up))(keys),
                       {"K": up.num_users, "M": up.num_aps, "N": up.num_antennas}),
        "dinkelbach_wmmse": (_dinkelbach, jax.vmap(lambda k: sample_downlink_scenario(k, down).problem)(keys),
                             {"N_t": down.num_antennas, "K": down.num_users}),
        "algorithm3": (_bcd(algorithm3), uav_drops, {"G": uav.num_groups, "K_g": uav.users_per_group,
                                                     "L": uav.num_uavs, "N": uav.num_subchannels}),
        "algorithm6": (_bcd(algorithm6), uav_drops, {"G": uav.num_groups, "K_g": uav.users_per_group,
                                                     "L": uav.num_uavs, "N": uav.num_subchannels}),
    }


def _compare(out, ref) -> dict:
    pairs = list(zip(jax.tree.leaves(out), jax.tree.leaves(ref)))
    bitwise = all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in pairs)
    diff = max(float(np.max(np.abs(np.asarray(a, complex) - np.asarray(b, complex)))) for a, b in pairs)
    return {"bitwise_equal_to_one_at_a_time": bitwise, "max_abs_diff_vs_one_at_a_time": diff}


def _cpu_ms(call, repeats: int, per: int) -> float:
    """Process CPU time [ms] per drop of ``call()`` (blocked on), the fastest of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        jax.block_until_ready(call())
        times.append(time.process_time() - t0)
    return 1e3 * min(times) / per


def run(settings: Settings):
    repeats = 2 if settings.quick else 3
    for name, (fn, drops, sizes) in _solvers(settings.quick).items():
        b = jax.tree.leaves(drops)[0].shape[0]
        ones = [jax.tree.map(lambda x, i=i: x[i], drops) for i in range(b)]
        single = jax.jit(fn)
        compiled = time_jax(single, ones[0], repeats=1)                   # compile time and memory of one drop
        stats = time_eager(lambda: [single(d) for d in ones], repeats=repeats, per=b)
        stats |= {k: compiled[k] for k in ("compile_s", "xla_memory_mb") if k in compiled}
        stats["cpu_per_scenario_ms"] = _cpu_ms(lambda: [single(d) for d in ones], repeats, b)
        ref = jax.tree.map(lambda *xs: np.stack(xs), *[single(d) for d in ones])
        iters = np.asarray(ref[1])
        base, cpu_base = stats["per_scenario_ms"], stats["cpu_per_scenario_ms"]
        yield case(SUITE, name, "satjax", {**sizes, "driver": "one_at_a_time"}, 1, stats, scenarios=b,
                   iterations_mean=float(iters.mean()), iterations_max=int(iters.max()))
        drivers = {"vmap": jax.jit(lambda d: solve_batch(fn, d, strategy="vmap")),
                   f"solve_batch({default_batch_size()})": jax.jit(lambda d: solve_batch(fn, d))}
        for size in ACCELERATOR_BATCH_SIZES if jax.default_backend() != "cpu" else ():
            drivers[f"solve_batch({size})"] = jax.jit(lambda d, size=size: solve_batch(fn, d, batch_size=size))
        for driver, f in drivers.items():
            stats = time_jax(f, drops, repeats=repeats, per=b, settings=settings)
            stats["cpu_per_scenario_ms"] = _cpu_ms(lambda f=f: f(drops), repeats, b)
            yield case(SUITE, name, "satjax", {**sizes, "driver": driver}, b, stats,
                       over_one_at_a_time=stats["per_scenario_ms"] / base,
                       cpu_over_one_at_a_time=stats["cpu_per_scenario_ms"] / cpu_base, **_compare(f(drops), ref))
