"""Trustworthy numbers: padding gives exact zeros, anything else non-finite stays visible, float32
stays finite and accurate across the legal range, gradients at zero powers are finite, and the
same drop comes out the same whatever the batch."""

import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax._numerics import abs2, log2_1p, masked_ratio, safe_sqrt
from satjax.downlink import scale_to_power, statistical_mrt
from satjax.optim import Unroll
from satjax.uplink import (
    ChannelStats,
    UplinkParams,
    algorithm1,
    closed_form_sinr,
    monte_carlo_terms,
    sample_uplink_scenario,
    sample_uplink_scenarios,
    siso_problem,
)
from tests.uplink.helpers import positional, random_stats, stats_arrays

ROOT = Path(__file__).resolve().parents[1]


def test_masked_ratio_zero_for_padding_nan_for_real_entries():
    num, den = jnp.asarray([1.0, 0.0, 0.0, jnp.nan]), jnp.asarray([2.0, 0.0, 0.0, 1.0])
    mask = jnp.asarray([True, True, False, True])
    out = np.asarray(masked_ratio(num, den, mask))
    assert out[0] == 0.5 and np.isnan(out[1]) and out[2] == 0.0 and np.isnan(out[3])
    g = jax.grad(lambda n: jnp.sum(masked_ratio(n, den, mask)))(num)
    assert float(g[0]) == 0.5 and float(g[2]) == 0.0 and not np.isfinite(float(g[1]))   # padded slot: exact zero


def test_a_nan_power_gives_nan_sinr_not_a_plausible_zero():
    stats, rho = random_stats(0)
    out = np.asarray(jax.jit(closed_form_sinr)(stats, rho.at[1].set(jnp.nan)))      # jit: no boundary check
    assert np.all(np.isnan(out))                                                   # it interferes with everyone
    padded = stats.pad(stats.num_users + 2, stats.num_aps)
    out = np.asarray(jax.jit(closed_form_sinr)(padded, jnp.concatenate([rho, jnp.full((2,), jnp.nan)])))
    assert np.all(np.isfinite(out[:-2])) and np.all(out[-2:] == 0)                  # padding ignores its entries


def test_a_nan_precoder_is_not_scaled_to_zero():
    b = statistical_mrt(jnp.ones((4, 2), jnp.complex64), 1.0).at[0, 0].set(jnp.nan)
    assert np.all(np.isnan(np.asarray(scale_to_power(b, 1.0))))
    assert np.all(np.asarray(scale_to_power(jnp.zeros((4, 2), jnp.complex64), 1.0)) == 0)


def test_log2_1p_and_safe_sqrt():
    x = jnp.asarray([1e-12, 1e-7, 1.0, 1e30], jnp.float32)
    np.testing.assert_allclose(log2_1p(x), np.log1p(np.asarray(x, np.float64)) / np.log(2), rtol=1e-6)
    assert float(jax.grad(safe_sqrt)(0.0)) == 0.0 and float(jax.grad(safe_sqrt)(4.0)) == pytest.approx(0.25)
    assert float(jax.grad(lambda z: abs2(z))(3.0)) == 6.0


@pytest.mark.parametrize("gain_db", [-60.0, 0.0, 60.0, 120.0, 209.0])
def test_float32_closed_form_is_finite_and_accurate_across_the_gain_range(gain_db):
    """One user's AP gains scaled from -60 dB to +209 dB relative to the others (209 dB: a user
    1 cm from an AP, beta / sigma^2 ~ 8e20, whose square overflows float32 in noise units)."""
    with jax.enable_x64(True):
        stats, rho = random_stats(3)
        beta = stats.beta_ap.at[:, 0].multiply(10 ** (gain_db / 10))
        s64 = ChannelStats.from_arrays(beta, *positional(stats)[1:], **stats_arrays(stats))
        ref = np.asarray(closed_form_sinr(s64, rho))
    s32 = jax.tree.map(lambda x: x.astype(jnp.complex64) if jnp.iscomplexobj(x) else
                       (x.astype(jnp.float32) if jnp.issubdtype(x.dtype, jnp.floating) else x), s64)
    out = np.asarray(closed_form_sinr(s32, rho.astype(jnp.float32)))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref, rtol=2e-3)


def test_a_user_one_centimetre_from_an_ap_is_finite_in_float32():
    params = UplinkParams(num_users=4, num_aps=3, tau_p=2, area_side_m=0.05, ap_height_m=0.01, user_height_m=0.0)
    s = sample_uplink_scenario(jax.random.key(0), params)
    assert float(jnp.max(s.stats.beta_ap / s.stats.noise_ap)) > 1e17
    out = np.asarray(closed_form_sinr(s.stats, s.p_max_w))
    assert np.all(np.isfinite(out)) and np.all(out > 0)


def test_gradients_at_zero_budget_and_zero_pilot_power_are_finite():
    with jax.enable_x64(True):
        stats, _ = random_stats(4, k=4)
        p_max = jnp.asarray([0.0, 1.0, 0.0, 1.0])
        g = jax.grad(lambda p: algorithm1(siso_problem(stats), p, mode=Unroll(5)).trace.objective[-1])(p_max)
        assert np.all(np.isfinite(np.asarray(g)))

        def rate(pilot_power):
            s = jax.tree_util.tree_map(lambda x: x, stats)
            s = ChannelStats(beta_ap=s.beta_ap, g_bar=s.g_bar, r_sat=s.r_sat, pilot=s.pilot, pilot_power=pilot_power,
                             noise_ap=s.noise_ap, noise_sat=s.noise_sat, user_mask=s.user_mask, ap_mask=s.ap_mask,
                             tau_p=s.tau_p)
            return jnp.sum(jnp.log1p(closed_form_sinr(s, jnp.ones(4))))

        g0 = jax.grad(rate)(jnp.asarray(0.0))
        h = 1e-7
        assert np.isfinite(float(g0))
        np.testing.assert_allclose(g0, (rate(h) - rate(0.0)) / h, rtol=1e-3)       # one-sided at the boundary


def test_the_same_drop_whatever_the_batch():
    """Keys are per drop (fold_in), so the draws are identical; the arithmetic is vectorized
    differently by XLA for different batch sizes, so float32 agrees to round-off of the
    transcendental functions (measured <= 8e-6 relative; tolerance 3e-5), float64 to 1e-12."""
    params = UplinkParams(num_users=8, num_aps=10, tau_p=4)
    batch = sample_uplink_scenarios(jax.random.key(0), params, 8)
    # compiled, as a user runs them (op-by-op dispatch of the vmapped closed form took 7 s, compiled 1 s)
    sinr_b = jax.jit(jax.vmap(closed_form_sinr))(batch.stats, batch.p_max_w)
    sinr_one = jax.jit(closed_form_sinr)
    for i in (0, 5):
        one = sample_uplink_scenario(jax.random.fold_in(jax.random.key(0), i), params)
        np.testing.assert_allclose(batch.stats.beta_ap[i], one.stats.beta_ap, rtol=3e-5)
        np.testing.assert_allclose(sinr_b[i], sinr_one(one.stats, one.p_max_w), rtol=3e-5)
    with jax.enable_x64(True):
        p64 = UplinkParams(num_users=8, num_aps=10, tau_p=4)
        b64 = sample_uplink_scenarios(jax.random.key(0), p64, 4, dtype=jnp.float64)
        one = sample_uplink_scenario(jax.random.fold_in(jax.random.key(0), 3), p64, jnp.float64)
        np.testing.assert_allclose(b64.stats.beta_ap[3], one.stats.beta_ap, rtol=1e-12)


def test_monte_carlo_chunk_size_changes_float32_results_by_round_off_only():
    stats, _ = random_stats(1)
    a = monte_carlo_terms(jax.random.key(0), stats, num_samples=512, chunk_size=64)
    b = monte_carlo_terms(jax.random.key(0), stats, num_samples=512, chunk_size=512)
    np.testing.assert_allclose(a.var_z, b.var_z, rtol=3e-5)
    np.testing.assert_allclose(a.noise, b.noise, rtol=3e-5)


SHARDED = """
import os
os.sched_setaffinity(0, range(os.cpu_count()))      # the suite pins workers to one core: undo it (the stall needs 2)
from experiments.xla_env import configure_xla_cpu
configure_xla_cpu()
import jax, numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from satjax.uplink import UplinkParams, closed_form_sinr, monte_carlo_sinr, sample_uplink_scenarios
assert jax.device_count() == 2
scen = sample_uplink_scenarios(jax.random.key(0), UplinkParams(num_users=20, tau_p=10), 8)
mesh = Mesh(np.asarray(jax.devices()), ("data",))
stats, p_max = jax.device_put((scen.stats, scen.p_max_w), NamedSharding(mesh, PartitionSpec("data")))
f = jax.jit(jax.vmap(closed_form_sinr))
g = jax.jit(jax.vmap(lambda k, s, p: monte_carlo_sinr(k, s, p, num_samples=256)))
for i in range(5):
    jax.block_until_ready(f(stats, p_max))
    jax.block_until_ready(g(jax.random.split(jax.random.key(i), 8), stats, p_max))
print("done")
"""


def test_two_forced_devices_run_a_sharded_vmap_of_the_closed_form_and_monte_carlo_without_stalling(tmp_path):
    """Stalled in earlier versions (batched LAPACK on XLA:CPU's pool); now one matrix at a time."""
    script = tmp_path / "sharded.py"
    script.write_text(SHARDED)
    # LLVM's backend optimizations off as in the rest of the suite (tests/conftest.py): the same
    # threads and LAPACK calls run, compiled in 9 s instead of 23 s of CPU time
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=str(ROOT),
               XLA_FLAGS="--xla_force_host_platform_device_count=2 --xla_backend_optimization_level=0")
    proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "done" in proc.stdout, proc.stderr[-2000:]
