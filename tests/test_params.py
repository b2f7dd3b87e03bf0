"""Static sizes, array physics: a sweep over any physical parameter is one compiled program, a new
value never recompiles, and jax.grad reaches P_max, the carrier frequency and the altitude
(checked against central finite differences in float64)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax import sweep
from satjax.downlink import DownlinkParams, energy_efficiency, sample_downlink_scenario, statistical_mrt
from satjax.uplink import UplinkParams, closed_form_sinr, sample_uplink_scenario, throughput_bps
from tests.finite_differences import central_difference

TINY_A = dict(num_users=3, num_aps=4, n_v=2, n_h=2, tau_p=2)
TINY_B = dict(n_h=2, n_v=2, num_users=2, num_paths=2)
KEYS = jax.random.split(jax.random.key(0), 2)


def uplink_sum_mbps(params):
    """Mean sum throughput [Mbps] of two fixed drops at full power (closed form)."""
    def one(key):
        s = sample_uplink_scenario(key, params, params.p_max_w.dtype)
        rate = throughput_bps(closed_form_sinr(s.stats, s.p_max_w), bandwidth_hz=params.bandwidth_hz,
                              tau_p=params.tau_p, tau_c=params.tau_c)
        return jnp.sum(rate) / 1e6
    return jnp.mean(jax.vmap(one)(KEYS))


def downlink_ee(params):
    """Mean EE [Mbit/J] of statistical MRT at full power over two fixed drops."""
    def one(key):
        p = sample_downlink_scenario(key, params, params.p_max_w.dtype).problem
        return energy_efficiency(p, statistical_mrt(p.v, p.p_max_w)) / 1e6
    return jnp.mean(jax.vmap(one)(KEYS))


#: Fields whose valid range depends on another field: that field's value for their sweep.
JOINT = {"elevation_max_deg": {"elevation_min_deg": 10.0}}


def _values_around(params, name, n):
    """``n`` values from half to 1.5 times the field's value (-1..1 around 0), at most its upper bound."""
    v = np.asarray(getattr(params, name), np.float64)
    if v.shape:                                         # sat_position_m: not a scalar sweep
        return None
    base = v if v != 0 else 1.0
    lo = max(0.5 * base, np.nextafter(0, 1)) if base > 0 else 1.5 * base
    meta = type(params).__dataclass_fields__[name].metadata
    bound = np.inf if meta.get("hi") is None else meta["hi"] * (1 - 1e-6 if meta.get("hi_open") else 1)
    hi = min(1.5 * base, bound) if base > 0 else 0.5 * base
    return jnp.linspace(lo, hi, n) if base != 0 else jnp.linspace(-1.0, 1.0, n)


@pytest.mark.parametrize("cls, metric, tiny", [(UplinkParams, uplink_sum_mbps, TINY_A), (DownlinkParams, downlink_ee, TINY_B)])
def test_a_sweep_over_every_physical_field_is_one_compiled_program(cls, metric, tiny):
    for name in cls.physical_fields():
        params = cls(**tiny, **JOINT.get(name, {}))
        values = _values_around(params, name, 4)
        if values is None:
            continue
        if name == "amplifier_efficiency":
            values = jnp.linspace(0.2, 1.0, 4)
        traces = []

        def counted(v, name=name, params=params):
            traces.append(name)
            return sweep(metric, params, **{name: v})

        f = jax.jit(counted)
        out = f(values)
        f(values * 0.9 if name != "amplifier_efficiency" else values * 0.95)       # new values: no new program
        assert len(traces) == 1 and f._cache_size() == 1, name
        assert out.shape == (4,) and np.all(np.isfinite(np.asarray(out))), (name, out)


def test_a_64_point_budget_sweep_compiles_once_and_equals_the_pointwise_values():
    params = UplinkParams(**TINY_A)
    values = jnp.geomspace(0.01, 1.0, 64)
    f = jax.jit(lambda v: sweep(uplink_sum_mbps, params, p_max_w=v))
    out = np.asarray(f(values))
    assert f._cache_size() == 1
    g = jax.jit(uplink_sum_mbps)
    for i in (0, 31, 63):
        np.testing.assert_allclose(out[i], g(params.replace(p_max_w=values[i])), rtol=1e-5)
    assert g._cache_size() == 1                          # a new value of a physical field reuses the program
    assert np.all(np.diff(out) > 0)                      # more budget, more throughput (full power)


@pytest.mark.parametrize("name, rel_h", [("p_max_w", 1e-6), ("carrier_hz", 1e-9), ("altitude", 1e-8)])
def test_gradient_of_uplink_throughput_wrt_a_physical_parameter_matches_finite_differences(name, rel_h):
    with jax.enable_x64(True):
        params = UplinkParams(**TINY_A)

        def f(x):
            if name == "altitude":
                return uplink_sum_mbps(params.replace(sat_position_m=jnp.asarray(params.sat_position_m).at[2].set(x)))
            return uplink_sum_mbps(params.replace(**{name: x}))

        x0 = jnp.asarray(np.asarray(params.sat_position_m)[2] if name == "altitude" else getattr(params, name))
        g = float(jax.grad(f)(x0))
        fd = float(central_difference(f, x0, rel_h * float(x0)))
        assert np.isfinite(g) and g != 0
        np.testing.assert_allclose(g, fd, rtol=1e-5)


@pytest.mark.parametrize("name, convention, rel_h", [("p_max_w", "receive", 1e-6), ("carrier_hz", "link_budget", 1e-7),
                                                      ("altitude_m", "link_budget", 1e-7)])
def test_gradient_of_downlink_ee_wrt_a_physical_parameter_matches_finite_differences(name, convention, rel_h):
    with jax.enable_x64(True):
        params = DownlinkParams(**TINY_B, snr_convention=convention)

        def f(x):
            return downlink_ee(params.replace(**{name: x}))

        x0 = jnp.asarray(getattr(params, name))
        g = float(jax.grad(f)(x0))
        fd = float(central_difference(f, x0, rel_h * float(x0)))
        assert np.isfinite(g) and g != 0
        np.testing.assert_allclose(g, fd, rtol=1e-5)


def test_physical_fields_are_arrays_and_sizes_are_static():
    p = UplinkParams()
    assert "p_max_w" in p.physical_fields() and "num_users" in p.static_fields() and "tau_p" in p.static_fields()
    leaves = jax.tree.leaves(p)
    assert len(leaves) == len(p.physical_fields()) and all(hasattr(x, "dtype") for x in leaves)
    assert p.p_max_w.dtype == np.float32
    with jax.enable_x64(True):
        assert UplinkParams().p_max_w.dtype == np.float64


@pytest.mark.parametrize("call, match", [
    (lambda p: p.replace(p_max=1.0), r"has no field\(s\) \['p_max'\]"),
    (lambda p: sweep(uplink_sum_mbps, p, num_users=jnp.arange(3)), "'num_users' is not a physical field"),
    (lambda p: sweep(uplink_sum_mbps, p, p_max_w=jnp.ones(3), carrier_hz=jnp.ones(4)), "one common leading length"),
    (lambda p: sweep(uplink_sum_mbps, p), "at least one field"),
    (lambda p: UplinkParams(p_max_w=jnp.ones(3)), "p_max_w must be a scalar W, got shape"),
    (lambda p: UplinkParams(p_max_w=np.float16(0.2)), "p_max_w must be float32 or float64"),
    (lambda p: UplinkParams(sat_position_m=(1.0, 2.0)), r"sat_position_m must be shape \(3,\) m"),
    (lambda p: UplinkParams(sat_position_m=(0.0, 0.0, 1.0)), "altitude"),
    (lambda p: UplinkParams(num_users=True), "num_users must be an integer"),
])
def test_bad_parameters_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call(UplinkParams(**TINY_A))
