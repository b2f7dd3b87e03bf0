"""Baselines of system C: Scheme 3's subchannel rules (ref. [41] and best user, D94) and Scheme 2's
enforcement of (14b) on the true interference channels (D95), on hand-made and tiny scenarios.
No Algorithm 3 run here (the schemes built on it are exercised in test_algorithms.py)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.uav import UavScenario, candidate_rates, constraint_residuals, leakage, scheme3
from satjax.uav.baselines import enforce_interference
from satjax.uav.system import pad_users
from tests.uav.helpers import tiny_scenario


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def _scenario(seed, g=2, k=3, l=2, n=5, m=2, i_th=1e-15):
    """Random large-scale CSI spread over three decades, so the users' best subchannels collide."""
    rng = np.random.default_rng(seed)
    return UavScenario.from_arrays(
        10.0 ** rng.uniform(-11, -8, (g, k, l, n)), 10.0 ** rng.uniform(-14, -12, (g, m, l, n)),
        (rng.uniform(size=(g, m, n)) < 0.5).astype(float), noise_w=4e-15, interference_threshold_w=i_th,
        p_max_w=0.1, hover_budget_s=600.0, tau_max_s=300.0, energy_per_uav_j=10.0, num_rx_antennas=2)


def _proportional_reference(rate, real):
    """Ref. [41]'s allocation written as loops (equal proportionality constants): users in index
    order take their best free subchannel, then the user with the least accumulated rate does."""
    k, n = rate.shape
    x, free, total = np.zeros((k, n)), set(range(n)), np.zeros(k)
    users = [u for u in range(k) if real[u]]
    order = users[:n] + [None] * (n - min(n, len(users)))
    for u in order:
        if u is None:
            u = min(users, key=lambda v: (total[v], v))
        best = max(sorted(free), key=lambda j: rate[u, j])
        x[u, best], total[u] = 1.0, total[u] + rate[u, best]
        free.remove(best)
    return x


@pytest.mark.parametrize("n", [3, 5, 8])
def test_scheme3_gives_every_user_a_subchannel_when_n_at_least_users(n):
    for seed in range(3):
        s = _scenario(seed, k=3, n=n)
        x, p, tau = scheme3(s)
        x = np.asarray(x)
        assert np.all(x.sum(axis=2) >= 1), x.sum(axis=2)                  # every user served
        np.testing.assert_array_equal(x.sum(axis=1), 1.0)                    # every subchannel, one user
        if n == 3:
            np.testing.assert_array_equal(x.sum(axis=2), 1.0)
        for name, v in constraint_residuals(s, x, p, tau).items():
            assert float(jnp.max(v)) <= 1e-12, name
        # the best-user rule leaves some user without a subchannel on these drops
        if n == 3 and seed == 0:
            assert np.any(np.asarray(scheme3(s, "best_user")[0]).sum(axis=2) == 0)


def test_scheme3_follows_ref41_and_best_user_rule():
    """Against loops written from the rule's text (rates at the equal powers P_max/N), and the
    best-user rule against the argmax of sum_l lambda; padded users get nothing."""
    for seed in range(4):
        s = _scenario(10 + seed, k=4, n=6)
        p_equal = jnp.full((2, 2, 6), 0.1 / 6)
        rate = np.asarray(candidate_rates(s, p_equal))
        x = np.asarray(scheme3(s)[0])
        for g in range(2):
            np.testing.assert_array_equal(x[g], _proportional_reference(rate[g], [True] * 4))
        best = np.asarray(scheme3(s, subchannel_rule="best_user")[0])
        np.testing.assert_array_equal(best.argmax(axis=1), np.asarray(jnp.sum(s.lam, axis=2)).argmax(axis=1))
    padded = pad_users(_scenario(3, k=2, n=4), 4)
    xp = np.asarray(scheme3(padded)[0])
    np.testing.assert_array_equal(xp[:, 2:], 0.0)
    assert np.all(xp[:, :2].sum(axis=2) >= 1)
    with pytest.raises(ValueError, match="subchannel_rule must be one of"):
        scheme3(padded, subchannel_rule="nearest")


def test_scheme3_jits_and_vmaps():
    batch = jax.tree.map(lambda *a: jnp.stack(a), *[tiny_scenario(i) for i in range(3)])
    xs = jax.jit(jax.vmap(scheme3))(batch)[0]
    for i in range(3):
        np.testing.assert_array_equal(xs[i], scheme3(tiny_scenario(i))[0])


def test_enforce_interference_mutes_exactly_the_broken_users_subchannels():
    """``mute``: a plan that breaks (14b) loses every subchannel a broken satellite user occupies in
    that slot, nothing else; (14b) then holds. ``scale``: one common factor. ``none``: unchanged."""
    s = _scenario(5, i_th=1e-14)
    g, k, l, n, m = s.sizes
    x = jax.nn.one_hot(jnp.arange(n) % k, k, axis=0)[None].repeat(g, 0)   # [G, K, N]
    p = jnp.full((g, l, n), 0.1 / n)
    tau = jnp.full((g,), 2.0)
    broken = np.asarray(leakage(s, x, p)) > float(s.interference_threshold_w)
    assert broken.any() and not broken.all()                                # the test needs both kinds
    _, pm, _ = enforce_interference(s, x, p, tau, "mute")
    y = np.asarray(s.y) > 0.5
    for gg in range(g):
        off = np.any(y[gg][broken[gg]], axis=0)                              # [N]
        np.testing.assert_array_equal(np.asarray(pm[gg])[:, off], 0.0)
        np.testing.assert_array_equal(np.asarray(pm[gg])[:, ~off], np.asarray(p[gg])[:, ~off])
    assert float(jnp.max(constraint_residuals(s, x, pm, tau)["interference"])) <= 0
    _, ps, _ = enforce_interference(s, x, p, tau, "scale")
    ratio = np.asarray(ps / p)
    np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-12)
    assert ratio.flat[0] < 1 and float(jnp.max(constraint_residuals(s, x, ps, tau)["interference"])) <= 0
    np.testing.assert_array_equal(enforce_interference(s, x, p, tau, "none")[1], p)
    with pytest.raises(ValueError, match="on_violation must be one of"):
        enforce_interference(s, x, p, tau, "clip")
