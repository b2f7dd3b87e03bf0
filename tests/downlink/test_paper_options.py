"""Paper B's layers as written (the paper options of the learned precoders and of Algorithm 2):
shapes and feasibility, permutation equivariance, the pooling of (33) against a direct sum,
gradients against finite differences (float64), Algorithm 2 with rho_0 = 0 and re-initialisation,
and the separation criterion of the ``DownlinkParams.separated()`` preset."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import satjax.downlink as dl
from satjax.downlink import EdgeGNN, TaylorLayer, UnfoldedDinkelbachWMMSE
from satjax.downlink.precoders import statistical_mrt
from satjax.optim import Unroll
from tests.downlink.test_models import SMALL, _perturbed, _permute, _scenario
from tests.finite_differences import central_difference


def _paper_models(dtype=jnp.float32):
    return {
        "edge_gnn_paper": EdgeGNN(hidden=8, num_layers=1, readout_hidden=8, key=jax.random.key(1), dtype=dtype),
        "unfolded_paper": UnfoldedDinkelbachWMMSE(num_outer=2, num_inner=2, num_layers=2, activation="relu",
                                                  exclude_self=True, restart=True, key=jax.random.key(2), dtype=dtype),
    }


def _x64(model):
    return jax.tree.map(lambda x: x.astype(jnp.float64) if eqx.is_inexact_array(x) else x, model)


@pytest.mark.parametrize("name", ["edge_gnn_paper", "unfolded_paper"])
def test_paper_options_give_feasible_complex_precoders_of_the_right_shape(name):
    model = _perturbed(_paper_models()[name], 0.3)
    for seed in range(2):
        s = _scenario(seed)
        b = model(s)
        assert b.shape == (6, 3) and jnp.iscomplexobj(b) and np.all(np.isfinite(np.asarray(b)))
        assert float(dl.transmit_power(b)) <= float(s.problem.p_max_w) * (1 + 1e-5)
        assert float(dl.transmit_power(b)) > 0


def test_the_paper_edge_gnn_has_one_graph_layer_and_an_mlp_readout():
    model = _paper_models()["edge_gnn_paper"]
    assert len(model.layers) == 1 and hasattr(model.readout, "inner") and hasattr(model.readout, "outer")


@pytest.mark.parametrize("name", ["edge_gnn_paper", "unfolded_paper"])
def test_paper_options_are_permutation_equivariant(name):
    model = _perturbed(_paper_models()[name], 0.3)
    with jax.enable_x64(True):
        model = _x64(model)
        p = _scenario(4, dtype=jnp.float64).problem
        rng = np.random.default_rng(0)
        ant, users = rng.permutation(6), rng.permutation(3)
        b = model.precoders(p)
        np.testing.assert_allclose(model.precoders(_permute(p, ant, users)), b[ant][:, users],
                                   atol=1e-10 * float(jnp.abs(b).max()))


def test_taylor_layer_pools_over_the_other_rows_and_columns_as_in_eq_33():
    """The layer against a direct evaluation of (31) with the sums of (33) over i' != i, j' != j
    (as means over the N - 1 others, D44) and sigma = ReLU on (Re, Im); padding changes nothing."""
    with jax.enable_x64(True):
        rng = np.random.default_rng(3)
        n = 5
        layer = TaylorLayer(jnp.float64, activation="relu", exclude_self=True)
        layer = eqx.tree_at(lambda t: (t.c, t.s, t.d), layer,
                            tuple(jnp.asarray(rng.standard_normal((2, 2, 2))) for _ in range(3)))
        f = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
        m = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
        g = np.stack([f, f @ m @ f], axis=-1)                          # [N, N, 2 (F, FMF)] complex
        ch = np.stack([g.real, g.imag], axis=-1)                      # [N, N, 2, 2 (re, im)]
        want = np.zeros((n, n, 2))
        for i in range(n):
            for j in range(n):
                rows = sum(ch[i2, j] for i2 in range(n) if i2 != i) / (n - 1)
                cols = sum(ch[i, j2] for j2 in range(n) if j2 != j) / (n - 1)
                for a in range(2):
                    want[i, j] += (np.asarray(layer.c[a]) @ ch[i, j, a] + np.asarray(layer.s[a]) @ rows[a]
                                   + np.asarray(layer.d[a]) @ cols[a])
        want = np.maximum(want, 0)
        got = layer(jnp.asarray(f), jnp.asarray(m))
        np.testing.assert_allclose(got, want[..., 0] + 1j * want[..., 1], rtol=1e-12, atol=1e-12)
        pad = lambda x: jnp.pad(jnp.asarray(x), ((0, 2), (0, 2)))  # noqa: E731
        padded = layer(pad(f), pad(m), jnp.arange(n + 2) < n)
        np.testing.assert_allclose(padded[:n, :n], got, rtol=1e-12, atol=1e-12)
        assert float(jnp.abs(padded[n:]).max()) == 0 and float(jnp.abs(padded[:, n:]).max()) == 0


@pytest.mark.parametrize("name", ["edge_gnn_paper", "unfolded_paper"])
def test_paper_options_loss_gradient_matches_finite_differences(name):
    with jax.enable_x64(True):
        s = _scenario(8, dtype=jnp.float64)
        task = dl.PrecodingTask(SMALL)
        model = _perturbed(_paper_models(jnp.float64)[name], 0.05)
        params, static = eqx.partition(model, eqx.is_inexact_array)

        @jax.jit
        def loss(p):
            return task.loss(eqx.combine(p, static), s)

        grads = jax.grad(loss)(params)
        rng = np.random.default_rng(1)
        paths = jax.tree_util.tree_leaves_with_path(params)
        assert len(paths) >= 3
        for (path, leaf), g in zip(paths, jax.tree.leaves(grads)):
            direction = jnp.asarray(rng.standard_normal(leaf.shape), leaf.dtype)

            def along(t, path=path, direction=direction):
                return loss(jax.tree_util.tree_map_with_path(lambda p, x: x + t * direction if p == path else x, params))

            h = 1e-6
            fd = central_difference(along, 0.0, h)
            np.testing.assert_allclose(jnp.sum(g * direction), fd, rtol=1e-5, atol=1e-9,
                                       err_msg=jax.tree_util.keystr(path))


def test_algorithm_2_restart_solves_each_subproblem_from_b0_starting_at_rho_0():
    with jax.enable_x64(True):
        p = _scenario(9, dtype=jnp.float64).problem
        b0 = statistical_mrt(p.v, p.p_max_w)
        inner = Unroll(3)
        b1, _ = dl.wmmse(p, b0, mode=inner, rho=0.0)                   # rho_0 = 0
        b2, _ = dl.wmmse(p, b0, mode=inner, rho=dl.energy_efficiency(p, b1))   # from b0 again at rho_1
        b, ee, _ = dl.dinkelbach_wmmse(p, mode=Unroll(2), inner=inner, restart=True)
        np.testing.assert_allclose(b, b2, rtol=1e-12, atol=1e-12 * float(jnp.abs(b2).max()))
        np.testing.assert_allclose(ee, dl.energy_efficiency(p, b2), rtol=1e-12)
        warm, _, _ = dl.dinkelbach_wmmse(p, mode=Unroll(2), inner=inner)
        assert float(jnp.abs(warm - b).max()) > 1e-6                 # the default warm start differs
    with pytest.raises(ValueError, match="restart"):
        dl.dinkelbach_wmmse(p, restart=1)


@pytest.mark.parametrize("make, match", [
    (lambda: UnfoldedDinkelbachWMMSE(activation="tanh"), "activation"),
    (lambda: UnfoldedDinkelbachWMMSE(exclude_self=1), "exclude_self"),
    (lambda: UnfoldedDinkelbachWMMSE(restart="yes"), "restart"),
    (lambda: EdgeGNN(readout_hidden=-1, key=jax.random.key(0)), "readout_hidden"),
])
def test_bad_paper_option_settings_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_separated_preset_meets_its_separation_criterion():
    """The preset's defining criterion (docs/paper-b.md): statistical MRT <= 85 % and the one-layer
    untrained deep unfolding <= 90 % of Dinkelbach-WMMSE's mean EE (8 drops, float32); and the
    methods stay ordered: a four-layer deep unfolding closer to Dinkelbach-WMMSE than one layer."""
    params = dl.DownlinkParams.separated()
    assert (params.num_antennas, params.num_users, params.num_clusters) == (16, 12, 4)
    problems = jax.vmap(lambda k: dl.sample_downlink_scenario(k, params).problem)(
        jax.random.split(jax.random.key(2024), 8))
    gamma_db = 10 * np.log10(np.asarray(problems.gamma))
    assert np.all(np.ptp(gamma_db, axis=1) > 0.1)                      # near-far from the slant ranges

    def mean_ee(precoders):
        return float(jnp.mean(jax.vmap(dl.energy_efficiency)(problems, jax.vmap(precoders)(problems))))

    reference = mean_ee(lambda p: dl.dinkelbach_wmmse(p)[0])
    mrt = mean_ee(lambda p: statistical_mrt(p.v, p.p_max_w)) / reference
    one_layer = mean_ee(UnfoldedDinkelbachWMMSE(num_layers=1).precoders) / reference
    four_layers = mean_ee(UnfoldedDinkelbachWMMSE(num_layers=4).precoders) / reference
    assert mrt <= 0.85 and one_layer <= 0.90
    assert one_layer < four_layers <= 1.0 + 1e-3
