"""System A's learned model, SHGNN (paper A, Sec. V): symmetry, masking, size generalization,
gradients, and the pooled-message algebra the dense implementation relies on."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from satjax.uplink import SHGNN, UplinkParams, graph_inputs, sample_uplink_scenario
from satjax.uplink.models import PooledMessage
from tests.finite_differences import central_difference
from tests.uplink.helpers import permute_users

SMALL = UplinkParams(num_aps=7, num_users=6, tau_p=3, n_v=2, n_h=2, area_side_m=1000.0)


FEATURES = [("compact", "beta"), ("raw", "beta"), ("compact", "beta_contamination")]


def _model(features="compact", n=4, seed=0, ap="beta", **kw):
    if isinstance(features, tuple):
        features, ap = features
    return SHGNN(n, hidden=16, num_layers=2, sat_features=features, ap_features=ap, key=jax.random.key(seed), **kw)


def _scenario(seed=0, params=SMALL):
    return sample_uplink_scenario(jax.random.key(seed), params)


@pytest.mark.parametrize("features", FEATURES)
def test_outputs_within_budget(features):
    s = _scenario()
    rho = _model(features)(s)
    assert rho.shape == (SMALL.num_users,)
    assert np.all(np.isfinite(rho)) and np.all(rho > 0) and np.all(rho <= s.p_max_w)


@pytest.mark.parametrize("features", FEATURES)
def test_user_permutation_equivariance(features):
    s = _scenario(1)
    model = _model(features)
    perm = np.array([3, 0, 5, 1, 4, 2])
    permuted = model.powers(permute_users(s.stats, perm), s.p_max_w[perm])
    np.testing.assert_allclose(permuted, model.powers(s.stats, s.p_max_w)[perm], rtol=2e-5, atol=1e-9)


@pytest.mark.parametrize("features", FEATURES)
def test_ap_permutation_invariance(features):
    s = _scenario(2)
    model = _model(features)
    perm = np.random.default_rng(0).permutation(SMALL.num_aps)
    stats = eqx.tree_at(lambda t: (t.beta_ap, t.ap_mask), s.stats, (s.stats.beta_ap[perm], s.stats.ap_mask[perm]))
    np.testing.assert_allclose(model.powers(stats, s.p_max_w), model.powers(s.stats, s.p_max_w), rtol=2e-5)


@pytest.mark.parametrize("features", FEATURES)
def test_padded_equals_unpadded(features):
    s = _scenario(3)
    model = _model(features)
    k, m = SMALL.num_users, SMALL.num_aps
    padded = s.stats.pad(k + 5, m + 4)
    p_max = jnp.pad(s.p_max_w, (0, 5), constant_values=0.7)   # budgets of padded users must not matter
    out = model.powers(padded, p_max)
    np.testing.assert_allclose(out[:k], model.powers(s.stats, s.p_max_w), rtol=1e-5, atol=1e-9)
    assert np.all(out[k:] == 0)


def test_gradient_does_not_see_padding():
    s = _scenario(4)
    model = _model()
    padded = s.stats.pad(SMALL.num_users + 3, SMALL.num_aps + 2)
    p_pad = jnp.pad(s.p_max_w, (0, 3))

    def loss(mdl, stats, p):
        return jnp.sum(mdl.powers(stats, p))

    g1 = eqx.filter_grad(loss)(model, s.stats, s.p_max_w)
    g2 = eqx.filter_grad(loss)(model, padded, p_pad)
    for a, b in zip(jax.tree.leaves(g1), jax.tree.leaves(g2)):
        assert np.all(np.isfinite(b))
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-7)


def test_model_built_at_k30_runs_at_k50():
    p30 = UplinkParams(num_users=30, tau_p=15)
    p50 = UplinkParams(num_users=50, tau_p=25, num_aps=60)
    model = SHGNN(p30.num_antennas, hidden=16, num_layers=2, key=jax.random.key(0))
    s50 = sample_uplink_scenario(jax.random.key(5), p50)
    rho = eqx.filter_jit(model.powers)(s50.stats, s50.p_max_w)
    assert rho.shape == (50,)
    assert np.all(np.isfinite(rho)) and np.all(rho <= s50.p_max_w)


def test_raw_features_need_matching_antennas():
    s = _scenario()
    with pytest.raises(ValueError, match="num_antennas = 9"):
        _model("raw", n=9)(s)
    _model("compact", n=9)(s)   # compact features do not depend on N


@pytest.mark.parametrize("kwargs, match", [
    (dict(hidden=0), "hidden"), (dict(num_layers=0), "num_layers"), (dict(sat_features="full"), "sat_features"),
    (dict(ap_features="gamma"), "ap_features"),
])
def test_bad_construction(kwargs, match):
    args = dict(hidden=8, num_layers=1, sat_features="compact") | kwargs
    with pytest.raises(ValueError, match=match):
        SHGNN(4, key=jax.random.key(0), **args)


def test_jit_vmap_match_loop():
    model = _model()
    scen = [_scenario(i) for i in range(3)]
    batch = jax.tree.map(lambda *x: jnp.stack(x), *scen)
    out = eqx.filter_jit(jax.vmap(model))(batch)
    for i, s in enumerate(scen):
        np.testing.assert_allclose(out[i], model(s), rtol=1e-5)


def test_parameter_gradient_matches_finite_differences():
    with jax.enable_x64(True):
        s = sample_uplink_scenario(jax.random.key(6), SMALL, dtype=jnp.float64)
        model = SHGNN(4, hidden=8, num_layers=2, key=jax.random.key(1), dtype=jnp.float64)
        w = model.readout.outer.weight

        def f(weight):
            m = eqx.tree_at(lambda t: t.readout.outer.weight, model, weight)
            return jnp.sum(m.powers(s.stats, s.p_max_w) ** 2)

        g = jax.grad(f)(w)
        direction = jax.random.normal(jax.random.key(2), w.shape, jnp.float64)
        h = 1e-6
        fd = central_difference(lambda t: f(w + t * direction), 0.0, h)
        np.testing.assert_allclose(jnp.sum(g * direction), fd, rtol=1e-6)


def test_pooled_message_equals_per_edge_mlp_then_mean():
    """mean_n W2 relu(W1 [e_mn, d_n] + b1) + b2 == the pooled-after-linear implementation."""
    key = jax.random.key(0)
    msg = PooledMessage(2, 5, 7, key=key)
    e = jax.random.normal(jax.random.key(1), (4, 6, 2))
    d = jax.random.normal(jax.random.key(2), (6, 5))
    mask = jnp.array([True, True, False, True, True, False])
    w1 = jnp.concatenate([msg.edge.weight, msg.state.weight])
    b1 = msg.edge.bias                                                   # the state block has no bias

    def edge_mlp(ei, dj):
        return jax.nn.relu(jnp.concatenate([ei, dj]) @ w1 + b1) @ msg.outer.weight + msg.outer.bias

    per_edge = jax.vmap(jax.vmap(edge_mlp, (0, 0)), (0, None))(e, d)          # [4, 6, 7]
    expected = jnp.stack([per_edge[i][mask].mean(0) for i in range(4)])
    np.testing.assert_allclose(msg(e, d, mask, axis=1), expected, rtol=1e-5, atol=1e-6)


def test_graph_inputs_standardized():
    """The dB standardization constants keep the features O(1) on the default scenario."""
    p = UplinkParams(num_users=30, tau_p=15)
    keys = jax.random.split(jax.random.key(9), 16)
    g = jax.vmap(lambda k: graph_inputs(sample_uplink_scenario(k, p).stats, jnp.full(30, 0.2)))(keys)
    for x in (g.ap_user[..., 0], g.sat_user[..., 0], g.sat_user[..., 1]):     # the dB features
        assert abs(float(x.mean())) < 0.5 and 0.5 < float(x.std()) < 2.0
    q = g.sat_user[..., 2]                                                      # contamination ratio
    assert float(q.min()) > 0 and float(q.max()) < 1


def test_contamination_feature_is_the_mmse_gain():
    """AP contamination feature == gamma_mk / beta_mk of Lemma 1 (eq. (8))."""
    from satjax.uplink import mmse_statistics

    s = _scenario(7)
    g = graph_inputs(s.stats, s.p_max_w, "compact", "beta_contamination")
    m = mmse_statistics(s.stats)
    np.testing.assert_allclose(g.ap_user[..., 1], m.gamma / s.stats.beta_ap, rtol=1e-5)


def test_every_parameter_receives_a_gradient():
    """No dead branches: the last layer updates the users only (its AP and satellite states would
    feed nothing), so every parameter moves the loss."""
    from satjax.uplink import siso_problem, sum_spectral_efficiency

    s = sample_uplink_scenario(jax.random.key(3), SMALL)
    model = SHGNN(SMALL.num_antennas, hidden=8, num_layers=3, key=jax.random.key(4))
    assert model.layers[-1].ap_aggregate is None and model.layers[0].ap_aggregate is not None
    problem = siso_problem(s.stats)
    grads = eqx.filter_grad(lambda m: sum_spectral_efficiency(problem, m(s)))(model)
    for path, g in jax.tree_util.tree_leaves_with_path(grads):
        assert np.any(np.asarray(g) != 0), jax.tree_util.keystr(path)


def _nan_beta(s):
    return eqx.tree_at(lambda t: t.stats.beta_ap, s, s.stats.beta_ap.at[0, 0].set(jnp.nan))


@pytest.mark.parametrize("call, match", [
    (lambda m, s: m(s.stats), r"scenario must be a satjax.uplink.UplinkScenario for one drop \(use jax.vmap for a "
                              r"batch\), got satjax.uplink.statistics.ChannelStats"),
    (lambda m, s: m(jax.tree.map(lambda a: jnp.stack([a, a]), s)), r"one drop .* scenario.p_max_w of shape \(2, 6\), "
                                                                   r"expected \[K\]: 1 extra leading axes, a batch"),
    (lambda m, s: m(_nan_beta(s)), r"scenario.stats.beta_ap must be finite"),
    (lambda m, s: m(eqx.tree_at(lambda t: t.p_max_w, s, -s.p_max_w)), r"scenario.p_max_w must be >= 0 W"),
    (lambda m, s: m.powers(s.stats, s.p_max_w[:3]), r"p_max must have shape \(6,\)"),
    (lambda m, s: m.powers(s.stats, jnp.full(6, jnp.inf)), r"p_max must be finite"),
    (lambda m, s: graph_inputs(_nan_beta(s).stats, s.p_max_w), r"stats.beta_ap must be finite"),
])
def test_bad_inputs_are_named(call, match):
    """Another input class, a batch without vmap, NaN/inf and negative budgets: a ValueError naming
    the argument, before any JAX work."""
    with pytest.raises(ValueError, match=match):
        call(_model(), _scenario())


def test_a_scenario_of_another_system_is_named():
    import satjax.downlink as dl

    s = dl.sample_downlink_scenario(jax.random.key(0), dl.DownlinkParams(n_h=2, n_v=2, num_users=2))
    with pytest.raises(ValueError, match=r"scenario must be a satjax.uplink.UplinkScenario .* got "
                                         r"satjax.downlink.scenario.DownlinkScenario"):
        _model()(s)


@pytest.mark.parametrize("kw, match", [({"dtype": jnp.float16}, r"dtype must be one of \('float32', 'float64'\), "
                                                                 r"got float16"),
                                       ({"dtype": jnp.bfloat16}, "got bfloat16"), ({"dtype": jnp.int32}, "got int32"),
                                       ({"key": None}, "key must be one PRNG key"),
                                       ({"num_antennas": 0}, "num_antennas must be an integer >= 1")])
def test_bad_constructor_arguments_are_named(kw, match):
    args = {"num_antennas": 4, "hidden": 8, "key": jax.random.key(0)} | kw
    with pytest.raises(ValueError, match=match):
        SHGNN(args.pop("num_antennas"), **args)


def test_nan_input_under_jit_gives_nan_powers():
    """Under jit the values are unknown: a NaN input is not refused, and it is not hidden either."""
    s = _nan_beta(_scenario())
    rho = eqx.filter_jit(lambda m, s: m(s))(_model(), s)
    assert bool(jnp.any(jnp.isnan(rho)))
