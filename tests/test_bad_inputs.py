"""A table of bad inputs to the public entry points of system C (scenario, rates, coverage, task)
and to the round-1 leftovers of systems A and B (zero forcing, Monte Carlo sample counts, pilots).

Each case is classified as ``clear`` (a ``ValueError`` whose message matches the argument's
name), ``unclear`` (another exception, or a ``ValueError`` that does not name it), ``silent`` (a
result) or, for the ``jit`` cases, ``nan`` (a NaN result: values only known under ``jit`` are not
checked, and must not turn into a plausible number). Each case runs as a user's call does, without
the suite's run-time type checker (``tests.typecheck.as_a_user``), so what is classified is the
function's own error. The test asserts the expected class of every case;
``python -m tests.test_bad_inputs`` prints the counts.
"""

from __future__ import annotations

import functools
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest


@functools.cache
def _c():
    """A tiny float64 system-C drop and a valid decision on it."""
    from satjax.uav import initial_point
    from tests.uav.helpers import TINY, tiny_scenario
    s = tiny_scenario(0)
    with jax.enable_x64(True):
        x, p, tau = (np.asarray(v) for v in initial_point(s))
    return TINY, s, x, p, tau


def _arrays(**over):
    kw = dict(noise_w=1.0, interference_threshold_w=1.0, p_max_w=1.0, hover_budget_s=1.0, tau_max_s=1.0,
              energy_per_uav_j=1.0, num_rx_antennas=2)
    a = dict(lam=np.ones((1, 2, 2, 3)), phi=np.ones((1, 1, 2, 3)), y=np.ones((1, 1, 3)))
    a.update({k: v for k, v in over.items() if k in a})
    kw.update({k: v for k, v in over.items() if k not in a})
    from satjax.uav import UavScenario
    return UavScenario.from_arrays(a["lam"], a["phi"], a["y"], **kw)


def _params(**over):
    from satjax.uav import UavParams
    return UavParams(**over)


def _eval(fn_name, **over):
    import satjax.uav as uav
    _, s, x, p, tau = _c()
    args = {"x": x, "p": p, "tau": tau, **over}
    return getattr(uav, fn_name)(s, args["x"], args["p"], args["tau"])


def _jit_eval(fn_name, **over):
    import satjax.uav as uav
    _, s, x, p, tau = _c()
    args = {"x": x, "p": p, "tau": tau, **over}
    with jax.enable_x64(True):
        return jax.jit(getattr(uav, fn_name))(s, jnp.asarray(args["x"]), jnp.asarray(args["p"]), jnp.asarray(args["tau"]))


def _uav(name, *args, **kw):
    import satjax.uav as uav
    return getattr(uav, name)(*args, **kw)


def _h_rank_deficient(kind):
    from tests.downlink.helpers import random_instance
    *_, h = random_instance(0)
    return h.at[:, 1].set(h[:, 0]) if kind == "duplicate" else h.at[:, 2].set(0)


def _zf(kind, jit=False):
    from satjax.downlink import zero_forcing
    f = jax.jit(zero_forcing) if jit else zero_forcing
    return f(_h_rank_deficient(kind), jnp.asarray(1.0))


def _downlink_mc():
    from satjax.downlink import ergodic_rate_monte_carlo
    from tests.downlink.helpers import random_instance
    v, alpha, _, noise, _ = random_instance(0)
    return ergodic_rate_monte_carlo(jax.random.key(0), v, v, alpha, noise, num_samples=0)


def _uplink(kind):
    import equinox as eqx

    from satjax.uplink import ChannelStats, closed_form_sinr, monte_carlo_sinr
    from tests.uplink.helpers import random_stats
    stats, rho = random_stats(0)
    if kind == "mc":
        return monte_carlo_sinr(jax.random.key(0), stats, rho, num_samples=0)
    fields = {f: getattr(stats, f) for f in stats.__dataclass_fields__}
    if kind == "direct":
        return closed_form_sinr(ChannelStats(**{**fields, "pilot": stats.pilot.at[0].set(stats.tau_p)}), rho)
    bad = eqx.tree_at(lambda t: t.pilot, stats, stats.pilot.at[0].set(stats.tau_p))
    return jax.jit(closed_form_sinr)(bad, rho)


def _pilots(name, *args):
    from satjax.uplink import pilots
    return getattr(pilots, name)(*args)


NAN = float("nan")
_P = lambda: _c()[3]                                                                   # noqa: E731
_X = lambda: _c()[2]                                                                   # noqa: E731
_T = lambda: _c()[4]                                                                   # noqa: E731

# (id, expected class, regex the message must match, thunk)
CASES = [
    # --- UavParams: dB ranges
    ("params/I_th in W", "clear", "interference_threshold_dbm", lambda: _params(interference_threshold_dbm=1e-15)),
    ("params/I_th -400 dBm", "clear", "interference_threshold_dbm", lambda: _params(interference_threshold_dbm=-400.0)),
    ("params/I_th +30 dBm", "clear", "interference_threshold_dbm", lambda: _params(interference_threshold_dbm=30.0)),
    ("params/noise figure 100 dB", "clear", "noise_figure_db", lambda: _params(noise_figure_db=100.0)),
    ("params/shadowing 50 dB", "clear", "shadowing_std_db", lambda: _params(shadowing_std_db=50.0)),
    ("params/complex I_th", "clear", "interference_threshold_dbm", lambda: _params(interference_threshold_dbm=-120 + 1j)),
    ("params/zero UAVs", "clear", "num_uavs", lambda: _params(num_uavs=0)),
    # --- UavScenario.from_arrays
    ("from_arrays/complex lam", "clear", "lam", lambda: _arrays(lam=np.ones((1, 2, 2, 3)) * (1 + 1j))),
    ("from_arrays/float16 lam", "clear", "lam", lambda: _arrays(lam=np.ones((1, 2, 2, 3), np.float16))),
    ("from_arrays/mask 0.5", "clear", "user_mask", lambda: _arrays(user_mask=[[True, 0.5]])),
    ("from_arrays/all padded", "clear", "user_mask", lambda: _arrays(user_mask=[[False, False]])),
    ("from_arrays/mask shape", "clear", "user_mask", lambda: _arrays(user_mask=[True, False])),
    ("from_arrays/zero UAVs", "clear", "lam", lambda: _arrays(lam=np.ones((1, 2, 0, 3)), phi=np.ones((1, 1, 0, 3)))),
    ("from_arrays/zero groups", "clear", "lam", lambda: _arrays(lam=np.ones((0, 2, 2, 3)))),
    ("from_arrays/zero sat users", "clear", "phi", lambda: _arrays(phi=np.ones((1, 0, 2, 3)), y=np.ones((1, 0, 3)))),
    ("from_arrays/NaN lam", "clear", "lam", lambda: _arrays(lam=np.full((1, 2, 2, 3), NAN))),
    ("from_arrays/-inf phi", "clear", "phi", lambda: _arrays(phi=np.full((1, 1, 2, 3), -np.inf))),
    ("from_arrays/negative lam", "clear", "lam", lambda: _arrays(lam=-np.ones((1, 2, 2, 3)))),
    ("from_arrays/y 0.5", "clear", "y", lambda: _arrays(y=np.full((1, 1, 3), 0.5))),
    ("from_arrays/complex y", "clear", "y", lambda: _arrays(y=np.ones((1, 1, 3)) * 1j)),
    ("from_arrays/energy shape", "clear", "energy_per_uav_j", lambda: _arrays(energy_per_uav_j=[1.0, 2.0, 3.0])),
    ("from_arrays/noise shape", "clear", "noise_w", lambda: _arrays(noise_w=[1.0, 2.0])),
    ("from_arrays/I_th in dBm", "clear", "interference_threshold_w", lambda: _arrays(interference_threshold_w=-120.0)),
    ("from_arrays/complex p_max", "clear", "p_max_w", lambda: _arrays(p_max_w=1j)),
    ("from_arrays/num_rx 0", "clear", "num_rx_antennas", lambda: _arrays(num_rx_antennas=0)),
    ("from_arrays/num_rx 2.0", "clear", "num_rx_antennas", lambda: _arrays(num_rx_antennas=2.0)),
    ("from_arrays/lam 3-D", "clear", "lam", lambda: _arrays(lam=np.ones((2, 2, 3)))),
    # --- with_limits
    ("with_limits/negative p_max", "clear", "p_max_w", lambda: _c()[1].with_limits(p_max_w=-1.0)),
    ("with_limits/energy shape", "clear", "energy_per_uav_j", lambda: _c()[1].with_limits(energy_per_uav_j=[1.0] * 5)),
    ("with_limits/vector T", "clear", "hover_budget_s", lambda: _c()[1].with_limits(hover_budget_s=[1.0, 2.0])),
    # --- rates: one-vector functions
    ("deterministic_rate/num_rx 0", "clear", "num_rx", lambda: _uav("deterministic_rate", jnp.ones(3), 0)),
    ("deterministic_rate/negative a", "clear", "a", lambda: _uav("deterministic_rate", -jnp.ones(3), 2)),
    ("deterministic_rate/-inf a", "clear", "a", lambda: _uav("deterministic_rate", jnp.full(3, -jnp.inf), 2)),
    ("deterministic_rate/NaN a", "clear", "a", lambda: _uav("deterministic_rate", jnp.full(3, jnp.nan), 2)),
    ("deterministic_rate/complex a", "clear", "a", lambda: _uav("deterministic_rate", jnp.ones(3) * 1j, 2)),
    ("slack_fixed_point/num_rx -1", "clear", "num_rx", lambda: _uav("slack_fixed_point", jnp.ones(3), -1)),
    ("rate_given_slack/w 0", "clear", "w", lambda: _uav("rate_given_slack", jnp.ones(3), 0.0, 2)),
    ("rate_given_slack/w shape", "clear", "w", lambda: _uav("rate_given_slack", jnp.ones(3), jnp.ones(3), 2)),
    ("monte_carlo_rate/0 samples", "clear", "num_samples",
     lambda: _uav("monte_carlo_rate", jax.random.key(0), jnp.ones(3), 2, 0)),
    ("monte_carlo_rate/num_rx 0", "clear", "num_rx",
     lambda: _uav("monte_carlo_rate", jax.random.key(0), jnp.ones(3), 0, 10)),
    ("monte_carlo_rate/negative a", "clear", "a",
     lambda: _uav("monte_carlo_rate", jax.random.key(0), -jnp.ones(3), 2, 10)),
    # --- rates: decision functions
    ("overall_efficiency/NaN p", "clear", "p", lambda: _eval("overall_efficiency", p=_P() * NAN)),
    ("overall_efficiency/negative p", "clear", "p", lambda: _eval("overall_efficiency", p=-_P())),
    ("overall_efficiency/negative tau", "clear", "tau", lambda: _eval("overall_efficiency", tau=-_T())),
    ("overall_efficiency/x 0.5", "clear", "x", lambda: _eval("overall_efficiency", x=0.5 * _X())),
    ("overall_efficiency/p shape", "clear", "p", lambda: _eval("overall_efficiency", p=_P()[:, :, :-1])),
    ("overall_efficiency/x shape", "clear", "x", lambda: _eval("overall_efficiency", x=_X()[:, :1])),
    ("overall_efficiency/tau shape", "clear", "tau", lambda: _eval("overall_efficiency", tau=_T()[:1])),
    ("overall_efficiency/complex p", "clear", "p", lambda: _eval("overall_efficiency", p=_P() * 1j)),
    ("overall_efficiency/float16 tau", "clear", "tau", lambda: _eval("overall_efficiency", tau=_T().astype(np.float16))),
    ("min_efficiency/x 0.5", "clear", "x", lambda: _eval("min_efficiency", x=0.5 * _X())),
    ("min_efficiency/negative tau", "clear", "tau", lambda: _eval("min_efficiency", tau=-_T())),
    ("user_efficiency/inf p", "clear", "p", lambda: _eval("user_efficiency", p=_P() * np.inf)),
    ("constraint_residuals/NaN p", "clear", "p", lambda: _eval("constraint_residuals", p=_P() * NAN)),
    ("constraint_residuals/x shape", "clear", "x", lambda: _eval("constraint_residuals", x=_X()[:, :1])),
    ("max_violation/NaN tau", "clear", "tau", lambda: _eval("max_violation", tau=_T() * NAN)),
    ("overall_efficiency/wrong scenario", "clear", "scenario",
     lambda: _uav("overall_efficiency", {"lam": 1}, _X(), _P(), _T())),
    ("leakage/negative p", "clear", "p", lambda: _uav("leakage", _c()[1], _X(), -_P())),
    ("power_use/x 0.5", "clear", "x", lambda: _uav("power_use", 0.5 * _X(), _P())),
    ("power_use/p shape", "clear", "p", lambda: _uav("power_use", _X(), _P()[:1])),
    ("energy_use/negative tau", "clear", "tau", lambda: _uav("energy_use", _X(), _P(), -_T())),
    ("candidate_rates/negative p", "clear", "p", lambda: _uav("candidate_rates", _c()[1], -_P())),
    ("snr_terms/negative noise", "clear", "noise_w", lambda: _uav("snr_terms", _c()[1].lam, _P(), -1.0)),
    ("snr_terms/negative lam", "clear", "lam", lambda: _uav("snr_terms", -_c()[1].lam, _P(), 1.0)),
    # --- under jit: NaN in, NaN out
    ("jit overall_efficiency/NaN p", "nan", "", lambda: _jit_eval("overall_efficiency", p=_P() * NAN)),
    ("jit min_efficiency/NaN tau", "nan", "", lambda: _jit_eval("min_efficiency", tau=_T() * NAN)),
    ("jit max_violation/NaN p", "nan", "", lambda: _jit_eval("max_violation", p=_P() * NAN)),
    # --- task
    ("decision_metrics/2-tuple", "clear", "decision", lambda: _uav("decision_metrics", _c()[1], (_X(), _P()))),
    ("decision_metrics/NaN p", "clear", "p", lambda: _uav("decision_metrics", _c()[1], (_X(), _P() * NAN, _T()))),
    ("UavEfficiencyTask/float16", "clear", "dtype", lambda: _uav("UavEfficiencyTask", _c()[0], "float16")),
    # --- coverage
    ("received_power_w/negative p", "clear", "p",
     lambda: _uav("received_power_w", _c()[0], jnp.zeros((2, 3)), -jnp.ones((2, 3)), jnp.zeros((4, 2)))),
    ("received_power_w/NaN uav_pos", "clear", "uav_pos",
     lambda: _uav("received_power_w", _c()[0], jnp.full((2, 3), jnp.nan), jnp.ones((2, 3)), jnp.zeros((4, 2)))),
    ("received_power_w/NaN points", "clear", "points",
     lambda: _uav("received_power_w", _c()[0], jnp.zeros((2, 3)), jnp.ones((2, 3)), jnp.full((4, 2), jnp.nan))),
    ("received_power_w/wrong params", "clear", "params",
     lambda: _uav("received_power_w", {"num_uavs": 2}, jnp.zeros((2, 3)), jnp.ones((2, 3)), jnp.zeros((4, 2)))),
    ("coverage_grid/inf half width", "clear", "half_width_m", lambda: _uav("coverage_grid", jnp.zeros(2), np.inf, 5)),
    ("coverage_grid/center shape", "clear", "center", lambda: _uav("coverage_grid", jnp.zeros(3), 10.0, 5)),
    ("coverage_grid/num 1", "clear", "num", lambda: _uav("coverage_grid", jnp.zeros(2), 10.0, 1)),
    # --- round-1 leftovers: systems A and B
    ("zero_forcing/duplicate channels", "clear", "rank deficient", lambda: _zf("duplicate")),
    ("zero_forcing/zero channel", "clear", "rank deficient", lambda: _zf("zero")),
    ("jit zero_forcing/duplicate channels", "nan", "", lambda: _zf("duplicate", jit=True)),
    ("jit zero_forcing/zero channel", "nan", "", lambda: _zf("zero", jit=True)),
    ("ergodic_rate_monte_carlo/0 samples", "clear", "num_samples", _downlink_mc),
    ("monte_carlo_sinr/0 samples", "clear", "num_samples", lambda: _uplink("mc")),
    ("ChannelStats/pilot out of range", "clear", "pilot", lambda: _uplink("direct")),
    ("default_pilots/tau_p 0", "clear", "tau_p", lambda: _pilots("default_pilots", 4, 0)),
    ("pilot_book/tau_p 0", "clear", "tau_p", lambda: _pilots("pilot_book", 0)),
    ("pilot_sharing/mask shape", "clear", "user_mask", lambda: _pilots("pilot_sharing", jnp.arange(2), jnp.ones(1, bool))),
]


def classify(pattern: str, thunk) -> tuple[str, str]:
    """(class, detail) of one case, run as a user runs it."""
    from tests.typecheck import as_a_user

    try:
        with jax.enable_x64(True), as_a_user():
            out = thunk()
            leaves = [np.asarray(v) for v in jax.tree.leaves(out)]
    except ValueError as err:
        return ("clear" if re.search(pattern, str(err)) else "unclear"), str(err)[:160]
    except Exception as err:                                                          # noqa: BLE001
        return "unclear", f"{type(err).__name__}: {str(err)[:140]}"
    if any(v.dtype.kind in "fc" and np.isnan(v).any() for v in leaves):
        return "nan", "NaN result"
    return "silent", "returned a result"


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case):
    _, expected, pattern, thunk = case
    got, detail = classify(pattern, thunk)
    assert got == expected, detail


def main() -> None:
    counts: dict[str, int] = {}
    for name, expected, pattern, thunk in CASES:
        got, detail = classify(pattern, thunk)
        ok = got == expected or (expected == "nan" and got == "clear")
        counts[got] = counts.get(got, 0) + 1
        print(f"{'ok ' if ok else 'BAD'} {got:8s} {name:40s} {detail[:110]!r}")
    print(f"tried {len(CASES)}:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
