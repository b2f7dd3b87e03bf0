"""System B's learned precoders: feasibility, permutation equivariance (antennas, users), padded ==
unpadded, the untrained deep unfolding is the Newton–Schulz unrolled Dinkelbach-WMMSE, gradients of
the loss w.r.t. every parameter family against finite differences (float64), training lowers the
loss, and bad settings are named."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import satjax.downlink as dl
from satjax.downlink import EdgeGNN, LinearUnfoldedWMMSE, ScaledMRT, TaylorInverse, UnfoldedDinkelbachWMMSE
from satjax.optim import Unroll
from tests.finite_differences import central_difference

SMALL = dl.DownlinkParams(n_h=2, n_v=3, num_users=3)


def _scenario(seed=0, params=SMALL, dtype=jnp.float32):
    return dl.sample_downlink_scenario(jax.random.key(seed), params, dtype)


def _models(dtype=jnp.float32):
    return {
        "edge_gnn": EdgeGNN(hidden=8, num_layers=2, key=jax.random.key(1), dtype=dtype),
        "unfolded": UnfoldedDinkelbachWMMSE(num_outer=2, num_inner=2, num_layers=3, key=jax.random.key(2), dtype=dtype),
    }


def _perturbed(model, scale, seed=3):
    """The model with every floating parameter moved by ``scale`` x N(0, 1) (a "trained" model)."""
    params, static = eqx.partition(model, eqx.is_inexact_array)
    leaves, tree = jax.tree.flatten(params)
    keys = jax.random.split(jax.random.key(seed), len(leaves))
    leaves = [x + scale * jax.random.normal(k, x.shape, x.dtype) for x, k in zip(leaves, keys)]
    return eqx.combine(jax.tree.unflatten(tree, leaves), static)


@pytest.mark.parametrize("name", ["edge_gnn", "unfolded"])
def test_precoders_are_feasible_finite_and_complex(name):
    model = _perturbed(_models()[name], 0.3)
    for seed in range(3):
        s = _scenario(seed)
        b = model(s)
        assert b.shape == (6, 3) and jnp.iscomplexobj(b) and np.all(np.isfinite(np.asarray(b)))
        assert float(dl.transmit_power(b)) <= float(s.problem.p_max_w) * (1 + 1e-5)


def _permute(problem, ant, users):
    return eqx.tree_at(lambda p: (p.v, p.gamma), problem, (problem.v[ant][:, users], problem.gamma[users]))


@pytest.mark.parametrize("name", ["edge_gnn", "unfolded"])
def test_permutation_equivariance(name):
    model = _perturbed(_models()[name], 0.3)
    with jax.enable_x64(True):
        model = jax.tree.map(lambda x: x.astype(jnp.complex128 if jnp.iscomplexobj(x) else jnp.float64)
                             if eqx.is_inexact_array(x) else x, model)
        p = _scenario(4, dtype=jnp.float64).problem
        rng = np.random.default_rng(0)
        ant, users = rng.permutation(6), rng.permutation(3)
        b = model.precoders(p)
        bp = model.precoders(_permute(p, ant, users))
        np.testing.assert_allclose(bp, b[ant][:, users], atol=1e-10 * float(jnp.abs(b).max()))


@pytest.mark.parametrize("name", ["edge_gnn", "unfolded"])
def test_padded_equals_unpadded(name):
    model = _perturbed(_models()[name], 0.3)
    with jax.enable_x64(True):
        model = jax.tree.map(lambda x: x.astype(jnp.complex128 if jnp.iscomplexobj(x) else jnp.float64)
                             if eqx.is_inexact_array(x) else x, model)
        p = _scenario(5, dtype=jnp.float64).problem
        b = model.precoders(p)
        bp = model.precoders(p.pad(9, 5))
        np.testing.assert_allclose(bp[:6, :3], b, atol=1e-10 * float(jnp.abs(b).max()))
        assert float(jnp.abs(bp[6:]).max()) == 0 and float(jnp.abs(bp[:, 3:]).max()) == 0


def test_one_trained_model_runs_on_other_sizes():
    for name, model in _models().items():
        for params in (dl.DownlinkParams(n_h=4, n_v=4, num_users=6), dl.DownlinkParams(n_h=3, n_v=2, num_users=2)):
            b = model(_scenario(6, params))
            assert b.shape == (params.num_antennas, params.num_users), name


def test_untrained_unfolding_is_the_newton_schulz_unrolled_dinkelbach_wmmse():
    s = _scenario(7, dl.DownlinkParams(n_h=4, n_v=4, num_users=4))
    for share in (False, True):
        model = UnfoldedDinkelbachWMMSE(num_outer=3, num_inner=2, num_layers=4, share_layers=share)
        ref, _, _ = dl.dinkelbach_wmmse(s.problem, mode=Unroll(3), inner=Unroll(2), update=dl.NewtonSchulzUpdate(4))
        np.testing.assert_array_equal(model(s), ref)
    # with enough Newton-Schulz layers it is the unrolled Dinkelbach-WMMSE with the exact inverse
    # where the budget is slack (lambda = 0 then Pi is exact there): a budget of 100 W with the
    # receiver noise still calibrated at 10 W leaves the EE optimum inside the budget
    with jax.enable_x64(True):
        s = _scenario(7, dl.DownlinkParams(n_h=4, n_v=4, num_users=4, p_max_w=100.0), jnp.float64)
        exact, _, _ = dl.dinkelbach_wmmse(s.problem, mode=Unroll(3), inner=Unroll(2))
        assert float(jnp.sum(jnp.abs(exact) ** 2)) < 0.9 * 100.0
        deep = UnfoldedDinkelbachWMMSE(num_outer=3, num_inner=2, num_layers=40, dtype=jnp.float64)(s)
        np.testing.assert_allclose(deep, exact, atol=1e-9 * float(jnp.abs(exact).max()))


@pytest.mark.parametrize("name", ["edge_gnn", "unfolded", "linear"])
def test_loss_gradient_wrt_every_parameter_family_matches_finite_differences(name):
    with jax.enable_x64(True):
        s = _scenario(8, dtype=jnp.float64)
        task = dl.PrecodingTask(SMALL)
        if name == "linear":
            model = LinearUnfoldedWMMSE(6, 3, num_layers=2, dtype=jnp.float64)
        else:
            model = _models(jnp.float64)[name]
        model = _perturbed(model, 0.05)
        params, static = eqx.partition(model, eqx.is_inexact_array)

        def loss(p):
            return task.loss(eqx.combine(p, static), s)

        grads = jax.grad(loss)(params)
        rng = np.random.default_rng(1)
        paths = jax.tree_util.tree_leaves_with_path(params)
        g_leaves = jax.tree.leaves(grads)
        assert len(paths) >= 3
        for (path, leaf), g in zip(paths, g_leaves):
            direction = rng.standard_normal(leaf.shape)
            if jnp.iscomplexobj(leaf):
                direction = direction + 1j * rng.standard_normal(leaf.shape)
            direction = jnp.asarray(direction, leaf.dtype)

            def along(t, path=path, direction=direction):
                moved = jax.tree_util.tree_map_with_path(lambda p, x: x + t * direction if p == path else x, params)
                return loss(moved)

            h = 1e-6
            fd = central_difference(along, 0.0, h)
            ad = jnp.real(jnp.sum(g * direction))         # JAX's complex gradient is df/dx - i df/dy
            np.testing.assert_allclose(ad, fd, rtol=1e-5, atol=1e-9, err_msg=jax.tree_util.keystr(path))


@pytest.mark.parametrize("name", ["edge_gnn", "unfolded", "linear"])
def test_a_few_training_steps_lower_the_loss(name):
    from satjax.train import make_train_step

    task = dl.PrecodingTask(SMALL)
    model = LinearUnfoldedWMMSE(6, 3, num_layers=2) if name == "linear" else _models()[name]
    opt = optax.adam(0.01)
    step = make_train_step(task, opt)
    batch = jax.vmap(task.sample)(jax.random.split(jax.random.key(9), 16))
    params, static = eqx.partition(model, eqx.is_array)
    state = {"params": params, "opt_state": opt.init(params), "step": jnp.asarray(0, jnp.int32)}
    losses = []
    for _ in range(15):
        state, stats = step(state, static, batch)
        losses.append(float(stats["loss"]))
    assert losses[-1] < losses[0], losses


@pytest.mark.parametrize("make, match", [
    (lambda: EdgeGNN(hidden=0, key=jax.random.key(0)), "hidden must be an integer >= 1"),
    (lambda: EdgeGNN(num_layers=0, key=jax.random.key(0)), "num_layers must be an integer >= 1"),
    (lambda: UnfoldedDinkelbachWMMSE(num_outer=0), "num_outer must be an integer >= 1"),
    (lambda: UnfoldedDinkelbachWMMSE(num_layers=-1), "num_layers must be an integer >= 1"),
    (lambda: LinearUnfoldedWMMSE(16, 4, num_layers=0), "num_layers must be an integer >= 1"),
    (lambda: EdgeGNN(key=jax.random.key(0), dtype=jnp.float16), r"dtype must be one of \('float32', 'float64'\), "
                                                                r"got float16"),
    (lambda: UnfoldedDinkelbachWMMSE(dtype=jnp.float16), "dtype must be one of .* got float16"),
    (lambda: LinearUnfoldedWMMSE(4, 2, dtype=jnp.bfloat16), "dtype must be one of .* got bfloat16"),
    (lambda: ScaledMRT(dtype=jnp.float16), "dtype must be one of .* got float16"),
    (lambda: TaylorInverse(2, dtype=jnp.int32), "dtype must be one of .* got int32"),
    (lambda: EdgeGNN(key=None), "key must be one PRNG key"),
])
def test_bad_settings_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_linear_unfolding_refuses_another_size():
    model = LinearUnfoldedWMMSE(6, 3, num_layers=1)
    with pytest.raises(ValueError, match="built for N_t = 6, K = 3"):
        model(_scenario(0, dl.DownlinkParams(n_h=2, n_v=2, num_users=3)))


def _with(s, where, value):
    return eqx.tree_at(where, s, value)


ALL_MODELS = ["edge_gnn", "unfolded", "linear", "scaled_mrt"]


def _all_models():
    return _models() | {"linear": LinearUnfoldedWMMSE(6, 3, num_layers=1), "scaled_mrt": ScaledMRT()}


@pytest.mark.parametrize("name", ALL_MODELS)
@pytest.mark.parametrize("call, match", [
    (lambda m, s: m(s.problem), r"scenario must be a satjax.downlink.DownlinkScenario for one drop \(use jax.vmap "
                                r"for a batch\), got satjax.downlink.problem.PrecodingProblem"),
    (lambda m, s: m(jax.tree.map(lambda a: jnp.stack([a, a]), s)), r"one drop .* scenario.nu_sat of shape \(2, 3\), "
                                                                   r"expected \[K\]: 1 extra leading axes, a batch"),
    (lambda m, s: m.precoders(s), r"problem must be a satjax.downlink.PrecodingProblem for one drop"),
    (lambda m, s: m(_with(s, lambda t: t.problem.v, s.problem.v.at[0, 0].set(jnp.nan))),
     r"scenario.problem.v must be finite"),
    (lambda m, s: m(_with(s, lambda t: t.problem.gamma, s.problem.gamma.at[1].set(jnp.inf))),
     r"scenario.problem.gamma must be finite"),
    (lambda m, s: m(_with(s, lambda t: t.problem.p_max_w, -s.problem.p_max_w)), r"scenario.problem.p_max_w must be > 0 W"),
    (lambda m, s: m.precoders(_with(s.problem, lambda t: t.gamma, -s.problem.gamma)), r"problem.gamma must be >= 0"),
])
def test_bad_inputs_are_named(name, call, match):
    """Another input class, a batch without vmap, NaN/inf inputs and a negative budget: a
    ValueError naming the argument, before any JAX work."""
    with pytest.raises(ValueError, match=match):
        call(_all_models()[name], _scenario())


def test_a_scenario_of_another_system_is_named():
    from satjax.uplink import UplinkParams, sample_uplink_scenario

    s = sample_uplink_scenario(jax.random.key(0), UplinkParams(num_aps=4, num_users=3, tau_p=2, n_v=2, n_h=2))
    for model in _all_models().values():
        with pytest.raises(ValueError, match=r"scenario must be a satjax.downlink.DownlinkScenario .* got "
                                             r"satjax.uplink.scenario.UplinkScenario"):
            model(s)


def test_edge_gnn_needs_positive_static_power():
    """The edge GNN's feature e = log10(xi P_max / P_static) needs P_static > 0; the unfolded
    models take P_static = 0."""
    s = _scenario()
    zero = _with(s, lambda t: t.problem.p_static_w, jnp.zeros_like(s.problem.p_static_w))
    with pytest.raises(ValueError, match=r"scenario.problem.p_static_w must be > 0 W"):
        _all_models()["edge_gnn"](zero)
    assert bool(jnp.all(jnp.isfinite(_all_models()["unfolded"](zero))))


@pytest.mark.parametrize("name", ALL_MODELS)
def test_nan_input_under_jit_gives_nan_precoders(name):
    """Under jit the values are unknown: a NaN input is not refused, and it is not hidden either."""
    s = _scenario()
    s = _with(s, lambda t: t.problem.v, s.problem.v.at[0, 0].set(jnp.nan))
    b = eqx.filter_jit(lambda m, s: m(s))(_all_models()[name], s)
    assert bool(jnp.any(jnp.isnan(b)))
