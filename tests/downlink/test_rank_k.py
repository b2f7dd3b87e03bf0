"""Eq. (23) in K x K algebra (satjax.downlink.lowrank) equals the N_t x N_t eigen-decomposition:
precoders and their JVPs (float64) for generic, zero-weight, collinear and K > N_t users, binding
and slack budgets; the rank-K JVP against finite differences; unrolled Dinkelbach-WMMSE values
and gradients with each algebra, with padded users and antennas; the default picks the K x K
algebra when K < N_t; the learned Taylor inverse in factored form equals the dense layers (values,
parameter gradients, padding)."""

import inspect
import types

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from satjax.downlink import (
    SYSTEM,
    DownlinkParams,
    ExactUpdate,
    TaylorInverse,
    UnfoldedDinkelbachWMMSE,
    budget_precoders,
    budget_precoders_rank_k,
    dinkelbach_wmmse,
    exact_update,
    wmmse_step,
)
from satjax.downlink.lowrank import TaylorInverseRankK, dense_factors
from satjax.optim import Unroll

CASES = [(0.0, 0.01), (0.5, 0.01), (5.0, 100.0)]          # (c, P_max): sum-rate binding, price binding, slack


def _factors(seed, nt, k, degenerate):
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((nt, k)) + 1j * rng.standard_normal((nt, k))
    d = rng.uniform(0.5, 2.0, k)
    s = np.sqrt(d) * rng.uniform(0.5, 1.5, k) * np.exp(1j * rng.uniform(0, 2 * np.pi, k))
    if degenerate == "zero_weight":                       # a user with omega |u|^2 gamma = 0 (u = 0 or gamma = 0)
        d[1], s[1] = 0.0, 0.0
    elif degenerate == "collinear":                       # v_2 a multiple of v_0: rank K - 1
        v[:, 2] = (0.3 - 1.1j) * v[:, 0]
    return jnp.asarray(v), jnp.asarray(d), jnp.asarray(s)


def _full(v, d, s, c, p_max):
    a, r = dense_factors(v, d, s)
    return budget_precoders(a, r, c, p_max)


def _tangents(seed, args):
    rng = np.random.default_rng(seed + 100)
    out = []
    for x in args:
        t = rng.standard_normal(np.shape(x))
        out.append(jnp.asarray(t + 1j * rng.standard_normal(np.shape(x)) if jnp.iscomplexobj(x) else t))
    return tuple(out)


_jvp_rank_k = jax.jit(lambda args, tangents: jax.jvp(budget_precoders_rank_k, args, tangents))
_jvp_full = jax.jit(lambda args, tangents: jax.jvp(_full, args, tangents))


@pytest.mark.parametrize("nt, k", [(7, 3), (4, 6)])
@pytest.mark.parametrize("degenerate", [None, "zero_weight", "collinear"])
def test_rank_k_equals_full_values_and_jvps(nt, k, degenerate):
    with jax.enable_x64(True):
        v, d, s = _factors(nt * 10 + k, nt, k, degenerate)
        for c, p_max in CASES:
            args = (v, d, s, jnp.asarray(c), jnp.asarray(p_max))
            tangents = _tangents(nt + k, args)
            b_k, db_k = _jvp_rank_k(args, tangents)
            b_f, db_f = _jvp_full(args, tangents)
            power = float(jnp.sum(jnp.abs(b_f) ** 2))
            assert (power == pytest.approx(p_max, rel=1e-9)) == (p_max < 1)          # binding / slack as meant
            np.testing.assert_allclose(b_k, b_f, rtol=0, atol=1e-12 * float(jnp.max(jnp.abs(b_f))))
            np.testing.assert_allclose(db_k, db_f, rtol=0, atol=1e-11 * float(jnp.max(jnp.abs(db_f))))


@pytest.mark.parametrize("c, p_max, degenerate", [(0.5, 0.01, "zero_weight"), (5.0, 100.0, None)])
def test_rank_k_jvp_matches_finite_differences(c, p_max, degenerate):
    """The implicit-function JVP through the factors (V, d, s), forward and reverse. A zero-weight
    user keeps d_k = s_k = 0 (its weight and coefficient vanish together, as in eq. (23)); its
    v_k is still perturbed."""
    with jax.enable_x64(True):
        v, d, s = _factors(3, 6, 3, degenerate)
        real = np.arange(3) != (1 if degenerate else -1)

        def f(v_, d_, s_, c_, p_):
            return budget_precoders_rank_k(v_, jnp.zeros(3).at[real].set(d_), jnp.zeros(3, s.dtype).at[real].set(s_),
                                           c_, p_)

        check_grads(jax.jit(f), (v, d[real], s[real], jnp.asarray(c), jnp.asarray(p_max)), order=1,
                    modes=("fwd", "rev"), eps=1e-7, rtol=1e-5)


def _drop(num_users=3, pad_users=None):
    with jax.enable_x64(True):
        params = DownlinkParams(n_v=2, n_h=3, num_users=num_users, num_paths=2)
        scenario = SYSTEM.sample(jax.random.key(7), params, jnp.float64)
        if pad_users is not None:
            scenario = SYSTEM.pad_users(scenario, pad_users)
        return scenario.problem


def _with(p, **changes):
    return eqx.tree_at(lambda q: [getattr(q, k) for k in changes], p, list(changes.values()))


def _ee(problem, algebra):
    def f(p_max, gamma, noise, v):
        q = _with(problem, p_max_w=p_max, gamma=gamma, noise_w=noise, v=v)
        return dinkelbach_wmmse(q, mode=Unroll(2), inner=Unroll(3), update=ExactUpdate(algebra))[1] / 1e6
    return f


def test_unrolled_dinkelbach_rank_k_equals_full_values_and_gradients():
    """EE and d EE / d (P_max, gamma, N_0, v) of the unrolled Dinkelbach-WMMSE, both algebras, on a
    drop with 2 users appended by ``SYSTEM.pad_users`` (zero channel) and two zero antenna rows;
    the EE equals the unpadded drop's."""
    with jax.enable_x64(True):
        p = _drop(3, 5)
        p = p.pad(p.num_antennas + 2, p.num_users)
        args = (p.p_max_w, p.gamma, p.noise_w, p.v)
        ee_k, grads_k = jax.jit(jax.value_and_grad(_ee(p, "rank_k"), argnums=(0, 1, 2, 3)))(*args)
        ee_f, grads_f = jax.jit(jax.value_and_grad(_ee(p, "full"), argnums=(0, 1, 2, 3)))(*args)
        assert float(ee_k) == pytest.approx(float(ee_f), rel=1e-12)
        for gk, gf in zip(grads_k, grads_f):
            np.testing.assert_allclose(gk, gf, rtol=0, atol=1e-9 * float(jnp.max(jnp.abs(gf))) + 1e-300)
        real = _drop(3)
        ee_real = jax.jit(_ee(real, "rank_k"))(real.p_max_w, real.gamma, real.noise_w, real.v)
        assert float(ee_k) == pytest.approx(float(ee_real), rel=1e-12)


def test_default_runs_the_k_by_k_eigen_decomposition_when_k_is_below_nt():
    """``exact_update`` (``algebra="auto"``) decomposes a K x K matrix for K < N_t, the N_t x N_t one
    otherwise; ``"full"`` always the N_t x N_t one."""
    def eigh_shapes(problem, update):
        jaxpr = jax.make_jaxpr(lambda p: wmmse_step(p.v, p, 1e6, update))(problem).jaxpr
        return {tuple(e.invars[0].aval.shape[-2:]) for e in _eqns(jaxpr) if e.primitive.name == "eigh"}

    with jax.enable_x64(True):
        wide = _drop(3)                        # N_t = 6, K = 3
        assert eigh_shapes(wide, exact_update) == {(3, 3)}
        assert eigh_shapes(wide, ExactUpdate("full")) == {(6, 6)}
        tall = _drop(8)                        # K = 8 > N_t = 6
        assert eigh_shapes(tall, exact_update) == {(6, 6)}
        assert eigh_shapes(tall, ExactUpdate("rank_k")) == {(8, 8)}


def _eqns(jaxpr):
    """Every equation of ``jaxpr`` and of the jaxprs nested in its equations' parameters."""
    for e in jaxpr.eqns:
        yield e
        for value in e.params.values():
            for x in value if isinstance(value, (tuple, list)) else (value,):
                inner = getattr(x, "jaxpr", x)
                if hasattr(inner, "eqns"):
                    yield from _eqns(inner)


def test_bad_algebra_is_refused():
    with pytest.raises(ValueError, match="algebra must be one of"):
        ExactUpdate("woodbury")


# --- the learned Taylor inverse in factored form ---


def _perturbed(module, seed=0):
    rng = np.random.default_rng(seed)
    def shift(x):
        return x + 0.05 * jnp.asarray(rng.standard_normal(x.shape)) if eqx.is_inexact_array(x) else x
    return jax.tree.map(shift, module)


def _options():
    names = inspect.signature(TaylorInverse.__init__).parameters
    return [{}] + ([{"exclude_self": True}] if "exclude_self" in names else [])


@pytest.mark.parametrize("options", _options())
def test_factored_taylor_inverse_equals_the_dense_layers(options):
    """The precoder update of the deep unfolding with trained-like (perturbed) Taylor parameters,
    dense ``TaylorInverse`` vs ``TaylorInverseRankK``: precoders with and without padded antennas
    and users, and the gradients of the parameters."""
    with jax.enable_x64(True):
        inverse = _perturbed(TaylorInverse(3, dtype=jnp.float64, **options))
        v, d, s = _factors(5, 6, 3, "zero_weight")
        mask = jnp.asarray([True] * 6 + [False] * 2)
        padded = (jnp.pad(v, ((0, 2), (0, 2))), jnp.pad(d, (0, 2)), jnp.pad(s, (0, 2)))
        c, p_max = jnp.asarray(0.7), jnp.asarray(0.05)

        def both(inv, v_, d_, s_, mask_):
            dense = inv(*dense_factors(v_, d_, s_), c, p_max, mask_)
            return dense, TaylorInverseRankK(inv).low_rank(v_, d_, s_, c, p_max, mask_)

        for args in ((v, d, s, None), (*padded, mask)):
            b_dense, b_factored = jax.jit(both)(inverse, *args)
            np.testing.assert_allclose(b_factored, b_dense, rtol=0, atol=1e-12 * float(jnp.max(jnp.abs(b_dense))))

        weights = jnp.arange(1.0, 4.0)[None, :]
        def loss(inv, i):
            return jnp.sum(jnp.abs(both(inv, v, d, s, None)[i]) ** 2 * weights)

        g_dense, g_factored = (jax.jit(jax.grad(loss), static_argnums=1)(inverse, i) for i in (0, 1))
        for a, b in zip(jax.tree.leaves(g_dense), jax.tree.leaves(g_factored)):
            np.testing.assert_allclose(b, a, rtol=0, atol=1e-10 * float(jnp.max(jnp.abs(a))))


def test_unfolded_model_with_the_factored_inverse_gives_the_same_precoders():
    with jax.enable_x64(True):
        model = _perturbed(UnfoldedDinkelbachWMMSE(num_outer=1, num_inner=2, num_layers=2, checkpoint=False,
                                                   dtype=jnp.float64))
        factored = eqx.tree_at(lambda m: m.inverse, model, TaylorInverseRankK(model.inverse))
        p = _drop(3)
        b_dense, b_factored = jax.jit(lambda m: m.precoders(p))(model), jax.jit(lambda m: m.precoders(p))(factored)
        np.testing.assert_allclose(b_factored, b_dense, rtol=0, atol=1e-12 * float(jnp.max(jnp.abs(b_dense))))


def test_factored_taylor_inverse_refuses_an_entrywise_activation():
    relu_layer = types.SimpleNamespace(activation="relu")
    with pytest.raises(ValueError, match="activation 'identity'"):
        TaylorInverseRankK(types.SimpleNamespace(layers=(relu_layer,), num_layers=1, share_layers=False))
