"""System C's learned policy (satjax.uav.UavGNN): feasible by construction, equivariant in the
UAVs and subchannels, blind to padded users, correct gradients, trainable end to end."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from satjax.uav import UavGNN, uav_features
from satjax.uav import UavEfficiencyTask, initial_point, max_violation, overall_efficiency
from tests.finite_differences import central_difference
from tests.uav.helpers import TINY, tiny_scenario


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


def _model(seed=0, **kw):
    return UavGNN(key=jax.random.key(seed), dtype=jnp.float64, **kw)


def _permute_uavs(s, perm):
    return eqx.tree_at(lambda t: (t.lam, t.phi, t.phi_free_space, t.energy_per_uav_j, t.uav_pos), s,
                       (s.lam[:, :, perm], s.phi[:, :, perm], s.phi_free_space[:, :, perm], s.energy_per_uav_j[perm],
                        s.uav_pos[:, perm]))


def _permute_subchannels(s, perm):
    return eqx.tree_at(lambda t: (t.lam, t.phi, t.phi_free_space, t.y), s,
                       (s.lam[..., perm], s.phi[..., perm], s.phi_free_space[..., perm], s.y[..., perm]))


def _pad_one_user(s):
    g, _, l, n, _ = s.sizes
    return eqx.tree_at(lambda t: (t.lam, t.user_mask, t.user_pos), s,
                       (jnp.concatenate([s.lam, jnp.zeros((g, 1, l, n))], axis=1),
                        jnp.concatenate([s.user_mask, jnp.zeros((g, 1), bool)], axis=1),
                        jnp.concatenate([s.user_pos, jnp.zeros((g, 1, 3))], axis=1)))


@pytest.mark.parametrize("seed", range(4))
def test_decisions_are_feasible_by_construction(seed):
    """Every constraint of (14) holds for an untrained model, also where the raw powers would
    break the interference threshold by orders of magnitude (tight I_th) and where the hovering
    budget is smaller than G tau_max."""
    for params in (TINY, TINY.replace(interference_threshold_dbm=-160.0), TINY.replace(hover_budget_s=50.0)):
        s = tiny_scenario(seed, params)
        x, p, tau = _model(seed)(s)
        assert float(max_violation(s, x, p, tau)) <= 1e-12     # round-off where sum(tau) = T binds
        assert np.all(np.asarray(p) >= 0) and np.all(np.asarray(tau) > 0)
        np.testing.assert_array_equal(x, initial_point(s)[0])              # the initial point's subchannels
        assert float(jnp.sum(tau)) <= float(s.hover_budget_s) * (1 + 1e-12)


def test_features_are_finite_and_dimensionless():
    s = tiny_scenario(1)
    f = uav_features(s, initial_point(s)[0])
    assert f.shape == (*s.lam.shape[:1], s.lam.shape[2], s.lam.shape[3], 4) and bool(jnp.all(jnp.isfinite(f)))


def test_equivariant_in_uavs_and_subchannels():
    s, model = tiny_scenario(2, TINY.replace(num_uavs=3, num_subchannels=4)), _model(3)
    _, p, tau = model(s)
    perm_l, perm_n = np.array([2, 0, 1]), np.array([3, 1, 0, 2])
    _, pl, taul = model(_permute_uavs(s, perm_l))
    np.testing.assert_allclose(pl, p[:, perm_l], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(taul, tau, rtol=1e-12)
    _, pn, taun = model(_permute_subchannels(s, perm_n))
    np.testing.assert_allclose(pn, p[..., perm_n], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(taun, tau, rtol=1e-12)


def test_padded_users_change_nothing():
    s, model = tiny_scenario(4), _model(5)
    x, p, tau = model(s)
    xp, pp, taup = model(_pad_one_user(s))
    np.testing.assert_array_equal(xp[:, :-1], x)
    assert float(jnp.sum(xp[:, -1])) == 0.0
    np.testing.assert_allclose(pp, p, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(taup, tau, rtol=1e-12)


def test_loss_gradient_matches_finite_differences():
    """d(loss)/d(parameters) along a random direction against central differences (float64)."""
    task = UavEfficiencyTask(TINY, "float64")
    s, model = task.sample(jax.random.key(6)), _model(7)
    params, static = eqx.partition(model, eqx.is_inexact_array)
    leaves, treedef = jax.tree.flatten(params)
    direction = jax.tree.unflatten(treedef, [jax.random.normal(jax.random.fold_in(jax.random.key(8), i), a.shape)
                                             for i, a in enumerate(leaves)])

    def along(t):
        return task.loss(eqx.combine(jax.tree.map(lambda a, d: a + t * d, params, direction), static), s)

    g = jax.grad(lambda m: task.loss(eqx.combine(m, static), s))(params)
    analytic = sum(float(jnp.vdot(a, d)) for a, d in zip(jax.tree.leaves(g), jax.tree.leaves(direction)))
    h = 1e-6
    numeric = float(central_difference(along, 0.0, h))
    assert abs(analytic) > 1e-8
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5)


def test_training_raises_the_overall_efficiency():
    """Forty Adam steps on one fixed batch of tiny drops raise the model's mean overall efficiency
    (15) on that batch (a fixed batch: the comparison is exact, not statistical)."""
    task = UavEfficiencyTask(TINY, "float64")
    batch = jax.vmap(task.sample)(jax.random.split(jax.random.key(9), 8))
    model = _model(10, hidden=16, num_layers=2)

    def mean_eff(m):
        return jnp.mean(jax.vmap(lambda s: overall_efficiency(s, *m(s)))(batch))

    tx = optax.adam(1e-2)
    state = tx.init(eqx.filter(model, eqx.is_inexact_array))

    @eqx.filter_jit
    def step(m, state):
        g = eqx.filter_grad(lambda m: -mean_eff(m))(m)
        updates, state = tx.update(g, state, m)
        return eqx.apply_updates(m, updates), state

    before = float(mean_eff(model))
    for _ in range(40):
        model, state = step(model, state)
    assert float(mean_eff(model)) > 1.05 * before


def test_jit_and_vmap_give_the_same_decisions():
    task = UavEfficiencyTask(TINY, "float64")
    batch = jax.vmap(task.sample)(jax.random.split(jax.random.key(11), 3))
    model = _model(12)
    xs, ps, taus = eqx.filter_jit(lambda m, b: jax.vmap(m)(b))(model, batch)
    for i in range(3):
        x, p, tau = model(jax.tree.map(lambda a: a[i], batch))
        np.testing.assert_array_equal(xs[i], x)
        np.testing.assert_allclose(ps[i], p, rtol=1e-10)
        np.testing.assert_allclose(taus[i], tau, rtol=1e-12)


@pytest.mark.parametrize("kw, match", [({"hidden": 0}, "hidden must be an integer >= 1"),
                                       ({"num_layers": 0}, "num_layers must be an integer >= 1")])
def test_bad_settings_are_named(kw, match):
    with pytest.raises(ValueError, match=match):
        _model(**kw)


def test_feasible_powers_scales_block_by_block():
    """Feasible powers pass unchanged (up to the 1e-9 margin). Where only one UAV breaks its energy
    budget (loose I_th), only that UAV's powers are scaled; the other UAV keeps its powers, where
    one common scale (satjax.uav.feasibility_scale) would throttle it too. A tight I_th then
    scales every slot, and the result is feasible."""
    from satjax.uav.models import feasible_powers
    from satjax.uav import energy_use, feasibility_scale

    s = tiny_scenario(13, TINY.replace(interference_threshold_dbm=-60.0, energy_j=2.0))
    x, p0, tau = initial_point(s)
    np.testing.assert_allclose(feasible_powers(s, x, p0, tau), p0 * (1 - 1e-9), rtol=1e-15)
    p = jnp.full_like(p0, s.p_max_w / s.sizes[3]) * jnp.array([1.0, 0.01])[None, :, None]   # UAV 1 nearly idle
    assert float(energy_use(x, p, tau)[0]) > float(s.energy_per_uav_j[0]) > float(energy_use(x, p, tau)[1])
    q = feasible_powers(s, x, p, tau)
    assert float(max_violation(s, x, q, tau)) <= 0
    np.testing.assert_allclose(q[:, 1], p[:, 1] * (1 - 1e-9), rtol=1e-15)          # UAV 1 untouched
    np.testing.assert_allclose(energy_use(x, q, tau)[0], s.energy_per_uav_j[0], rtol=1e-8)   # UAV 0 on its budget
    assert float(feasibility_scale(s, x, p, tau)) < 0.9                               # the common scale would cut UAV 1
    tight = tiny_scenario(13, TINY.replace(interference_threshold_dbm=-170.0, energy_j=2.0))
    assert float(max_violation(tight, x, feasible_powers(tight, x, p, tau), tau)) <= 0


def _with(s, where, value):
    return eqx.tree_at(where, s, value)


@pytest.mark.parametrize("call, match", [
    (lambda m, s: m(jax.tree.map(lambda a: jnp.stack([a, a]) if eqx.is_array(a) else a, s)),
     r"scenario must be a satjax.uav.UavScenario for one drop \(use jax.vmap for a batch\), got scenario.lam of "
     r"shape \(2, 2, 2, 2, 3\), expected \[G, K, L, N\]: 1 extra leading axes, a batch"),
    (lambda m, s: m(_with(s, lambda t: t.lam, s.lam.at[0, 0, 0, 0].set(jnp.nan))), r"scenario.lam must be finite"),
    (lambda m, s: m(_with(s, lambda t: t.p_max_w, -s.p_max_w)), r"scenario.p_max_w must be > 0 W"),
    (lambda m, s: m(_with(s, lambda t: t.energy_per_uav_j, -s.energy_per_uav_j)),
     r"scenario.energy_per_uav_j must be > 0 J"),
    (lambda m, s: m(_with(s, lambda t: t.hover_budget_s, jnp.inf)), r"scenario.hover_budget_s must be finite"),
    (lambda m, s: m.allocate(s, 0.5 * initial_point(s)[0]), r"x must hold only 0 and 1"),
    (lambda m, s: m.allocate(s, initial_point(s)[0][:, :1]), r"x must have shape \(2, 2, 3\)"),
    (lambda m, s: m.allocate(s, jnp.ones((2, 2, 3))), r"more than one user"),
    (lambda m, s: uav_features(s.lam, initial_point(s)[0]), r"scenario must be a satjax.uav.UavScenario for one "
                                                            r"drop"),
])
def test_bad_inputs_are_named(call, match):
    """A batch without vmap, NaN/inf inputs, negative budgets, a fractional or shared assignment,
    another input class: a ValueError naming the argument, before any JAX work."""
    with pytest.raises(ValueError, match=match):
        call(_model(hidden=8, num_layers=1), tiny_scenario(0))


def test_a_scenario_of_another_system_is_named():
    import satjax.downlink as dl

    s = dl.sample_downlink_scenario(jax.random.key(0), dl.DownlinkParams(n_h=2, n_v=2, num_users=2))
    with pytest.raises(ValueError, match=r"scenario must be a satjax.uav.UavScenario for one drop \(use jax.vmap "
                                         r"for a batch\), got satjax.downlink.scenario.DownlinkScenario"):
        _model(hidden=8, num_layers=1)(s)


@pytest.mark.parametrize("kw, match", [({"dtype": jnp.float16}, r"dtype must be one of \('float32', 'float64'\), "
                                                                 r"got float16"),
                                       ({"dtype": jnp.complex64}, "got complex64"),
                                       ({"key": None}, "key must be one PRNG key")])
def test_bad_constructor_arguments_are_named(kw, match):
    with pytest.raises(ValueError, match=match):
        UavGNN(**({"key": jax.random.key(0)} | kw))


def test_nan_input_under_jit_gives_nan_powers():
    """Under jit the values are unknown: a NaN input is not refused, and it is not hidden either."""
    s = tiny_scenario(0)
    s = _with(s, lambda t: t.lam, s.lam.at[0, 0, 0, 0].set(jnp.nan))
    _, p, tau = eqx.filter_jit(lambda m, s: m(s))(_model(hidden=8, num_layers=1), s)
    assert bool(jnp.any(jnp.isnan(p)))


def test_every_parameter_gets_a_gradient_at_initialization():
    """No dead parameters: on 8 drops of the default size, every entry of every parameter leaf of an
    untrained default UavGNN gets a non-zero gradient of the loss on at least one drop. (With raw
    features and ReLUs, 69-73 % of them got exactly zero on 16 drops: hidden units negative on
    every vertex of every drop.)"""
    from satjax.uav import UavParams

    task = UavEfficiencyTask(UavParams(), "float64")
    batch = jax.vmap(task.sample)(jax.random.split(jax.random.key(20), 8))
    params, static = eqx.partition(_model(21), eqx.is_inexact_array)
    grads = jax.jit(jax.vmap(jax.grad(lambda p, s: task.loss(eqx.combine(p, static), s)), (None, 0)))(params, batch)
    for path, g in jax.tree_util.tree_leaves_with_path(grads):
        dead = np.all(np.asarray(g) == 0, axis=0)
        assert not dead.any(), f"{jax.tree_util.keystr(path)}: {int(dead.sum())} of {dead.size} entries get no gradient"


def test_layers_evaluated_block_by_block_equal_the_mlp_of_the_concatenation():
    """``UavLayer`` applies each block of its first weight to a mean before broadcasting it; that is
    the MLP of ``[h, mean_l h, mean_n h, mean_g h, mean_{l,n} h]`` (``UavLayer.concatenated``),
    for the first (non-residual, 4 features) and the residual layers, at two sizes (float64)."""
    with jax.enable_x64(True):
        model = UavGNN(hidden=8, num_layers=2, key=jax.random.key(0), dtype=jnp.float64)
        for shape in [(3, 4, 8, 4), (1, 2, 5, 4)]:
            h = jax.random.normal(jax.random.key(1), shape, jnp.float64)
            for layer in model.layers:
                block, reference = layer(h), layer.concatenated(h)
                assert block.shape == reference.shape
                np.testing.assert_allclose(block, reference, rtol=1e-13, atol=1e-14)
                h = reference


def test_the_model_decides_on_the_initial_points_assignment():
    """The model's ``x`` is ``initial_point``'s (computed without its powers and times)."""
    with jax.enable_x64(True):
        scenario = tiny_scenario(3)
        model = UavGNN(hidden=8, num_layers=1, key=jax.random.key(0), dtype=jnp.float64)
        np.testing.assert_array_equal(model(scenario).x, initial_point(scenario)[0])
