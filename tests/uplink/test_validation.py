"""Bad input raises ValueError naming the parameter; checks do not break jit."""

import jax
import jax.numpy as jnp
import jaxtyping
import numpy as np
import pytest

from satjax.uplink import ChannelStats, UplinkParams, closed_form_sinr, monte_carlo_sinr, throughput_bps
from tests.typecheck import as_a_user, refused_by_checker_and_function
from tests.uplink.helpers import positional, random_stats, stats_arrays


@pytest.fixture
def case():
    stats, rho = random_stats(0)
    return list(positional(stats)), rho, stats_arrays(stats)


def _call(args, rho, kw, link="space_ground", **over):
    kw = {**kw, **over}
    return closed_form_sinr(ChannelStats.from_arrays(*args, **kw), rho, link)


def test_tau_p_below_one(case):
    args, rho, kw = case
    with pytest.raises(ValueError, match="tau_p"):
        _call(args, rho, kw, tau_p=0)


def test_tau_p_above_tau_c():
    with pytest.raises(ValueError, match="tau_p"):
        UplinkParams(tau_p=20, tau_c=10)
    with pytest.raises(ValueError, match="tau_p"):
        throughput_bps(jnp.ones(3), bandwidth_hz=1e6, tau_p=20, tau_c=10)


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_bad_power(case, bad):
    args, rho, kw = case
    with pytest.raises(ValueError, match="rho"):
        _call(args, rho.at[1].set(bad), kw)
    with pytest.raises(ValueError, match="pilot_power"):
        _call(args, rho, kw, pilot_power=jnp.asarray(bad))


def test_nonpositive_noise(case):
    args, rho, kw = case
    with pytest.raises(ValueError, match="noise_ap"):
        _call(args, rho, kw, noise_ap=jnp.asarray(0.0))
    with pytest.raises(ValueError, match="noise_sat"):
        _call(args, rho, kw, noise_sat=jnp.asarray(-1.0))


def test_nan_in_statistics(case):
    args, rho, kw = case
    with pytest.raises(ValueError, match="beta_ap"):
        _call([args[0].at[0, 0].set(jnp.nan)] + args[1:], rho, kw)
    with pytest.raises(ValueError, match="g_bar"):
        _call([args[0], args[1].at[0, 0].set(jnp.nan)] + args[2:], rho, kw)


def test_mismatched_shapes(case):
    args, rho, kw = case
    with pytest.raises(ValueError, match="g_bar"):
        _call([args[0], args[1][:-1]] + args[2:], rho, kw)
    with pytest.raises(ValueError, match="r_sat"):
        _call(args[:2] + [args[2][..., :-1]] + args[3:], rho, kw)
    with pytest.raises(ValueError, match="rho"):
        _call(args, rho[:-1], kw)
    with pytest.raises(ValueError, match="beta_ap"):
        _call([args[0][0]] + args[1:], rho, kw)


def test_wrong_shape_power_checker_and_user_paths(case):
    """A ``[1, K]`` power vector where ``closed_form_sinr`` takes ``rho: Real[ArrayLike, " K"]``:
    the suite's run-time checker refuses it naming ``rho`` before the function runs; a user's
    program (no checker) gets the function's own boundary ValueError naming ``rho`` and the shape."""
    args, rho, kw = case
    stats = ChannelStats.from_arrays(*args, **kw)
    k = stats.num_users
    refused_by_checker_and_function(lambda: closed_form_sinr(stats, rho[None, :]), "rho",
                                    rf"rho must have shape \({k},\), got \(1, {k}\)")
    # complex powers: the checker refuses the dtype, a user gets the boundary check_real error
    refused_by_checker_and_function(lambda: closed_form_sinr(stats, rho.astype(jnp.complex64)), "rho", "rho must be real")
    # the checker is off only inside as_a_user: the same call is checked again after it
    with pytest.raises(jaxtyping.TypeCheckError, match="parameter 'rho'"):
        closed_form_sinr(stats, rho[None, :])


def test_zero_users(case):
    args, rho, kw = case
    m, n = args[0].shape[0], args[1].shape[1]
    with pytest.raises(ValueError, match="K = 0"):
        ChannelStats.from_arrays(jnp.zeros((m, 0)), jnp.zeros((0, n), jnp.complex64), jnp.zeros((0, n, n), jnp.complex64),
                                 jnp.zeros((0,), jnp.int32), **kw)


def test_pilot_out_of_range_and_non_hermitian(case):
    args, rho, kw = case
    with pytest.raises(ValueError, match="pilot"):
        _call(args[:3] + [args[3].at[0].set(kw["tau_p"])], rho, kw)
    r = args[2].at[0, 0, 1].set(5.0 + 5.0j)
    with pytest.raises(ValueError, match="Hermitian"):
        _call(args[:2] + [r] + args[3:], rho, kw)


def test_unknown_link(case):
    args, rho, kw = case
    with pytest.raises(ValueError, match="link"):
        _call(args, rho, kw, link="moon")


def test_monte_carlo_bad_samples(case):
    args, rho, kw = case
    with pytest.raises(ValueError, match="num_samples"):
        monte_carlo_sinr(jax.random.key(0), ChannelStats.from_arrays(*args, **kw), rho, num_samples=0)


@pytest.mark.parametrize(
    "field,value",
    [("num_users", 0), ("num_aps", 0), ("carrier_hz", -1.0), ("p_max_w", -0.1), ("sat_environment", "mars"),
     ("area_side_m", float("nan")), ("pilot_power_w", float("inf"))],
)
def test_params_ranges(field, value):
    with pytest.raises(ValueError, match=field):
        UplinkParams(**{field: value})


def test_checks_are_skipped_under_jit(case):
    """Value checks only see concrete arrays; the traced function still compiles and runs."""
    args, rho, kw = case
    stats = ChannelStats.from_arrays(*args, **kw)
    f = jax.jit(lambda r: closed_form_sinr(stats, r))
    assert np.all(np.isfinite(np.asarray(f(rho))))
    g = jax.grad(lambda r: jnp.sum(closed_form_sinr(stats, r)))(rho)
    assert np.all(np.isfinite(np.asarray(g)))


def test_from_arrays_promotes_dtypes(case):
    args, rho, kw = case
    s = ChannelStats.from_arrays(args[0].astype(jnp.float32), args[1], args[2], args[3], **kw)
    assert s.g_bar.dtype == jnp.complex64 and s.beta_ap.dtype == jnp.float32


def test_pilot_checks_at_the_boundary(case):
    """Pilot indices, pilot lengths and shapes are refused by name before any tracing: a
    ``ChannelStats`` built directly (not through ``from_arrays``) and the pilot helpers."""
    from satjax.uplink import default_pilots, pilot_book, pilot_sharing
    args, rho, kw = case
    stats = ChannelStats.from_arrays(*args, **kw)
    fields = {f: getattr(stats, f) for f in stats.__dataclass_fields__}
    with pytest.raises(ValueError, match=r"pilot indices must be in \[0, tau_p\)"):
        ChannelStats(**{**fields, "pilot": stats.pilot.at[0].set(stats.tau_p)})
    with pytest.raises(ValueError, match="tau_p must be an integer >= 1"):
        default_pilots(4, 0)
    with pytest.raises(ValueError, match="num_users must be an integer >= 1"):
        default_pilots(0, 2)
    with pytest.raises(ValueError, match="tau_p must be an integer >= 1"):
        pilot_book(0)
    with pytest.raises(ValueError, match=r"user_mask must have shape \(2,\)"), as_a_user():
        pilot_sharing(jnp.asarray([0, 1]), jnp.asarray([True]))
    with pytest.raises(ValueError, match="pilot must be a 1-D integer array"), as_a_user():
        pilot_sharing(jnp.asarray([[0, 1]]), jnp.asarray([True, True]))


def test_traced_pilot_out_of_range_names_pilot(case):
    """Under jit the indices are values: the run-time check still names them (never a plausible
    result from a clamped gather)."""
    args, rho, kw = case
    bad = args[3].at[0].set(kw["tau_p"])
    f = jax.jit(lambda p: closed_form_sinr(ChannelStats.from_arrays(*args[:3], p, **kw), rho))
    with pytest.raises(Exception, match=r"pilot indices must be in \[0, tau_p\)"):
        jax.block_until_ready(f(bad))
