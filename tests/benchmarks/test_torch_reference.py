"""The PyTorch (and batched NumPy) references compute the same math as satjax, so the benchmark
ratios compare equal work: closed form, Algorithm 1, SHGNN forward, loss, gradients, one Adam step."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

torch = pytest.importorskip("torch")

from benchmarks.reference import numpy_shgnn, numpy_uplink, torch_shgnn, torch_uplink  # noqa: E402
from benchmarks.reference.convert import plain_arrays  # noqa: E402
from satjax.uplink import SHGNN  # noqa: E402
from satjax.optim import Solve  # noqa: E402
from satjax.uplink import (  # noqa: E402
    PowerControlTask,
    UplinkParams,
    algorithm1,
    closed_form_sinr,
    sample_uplink_scenarios,
    siso_problem,
)

SMALL = UplinkParams(num_users=6, num_aps=5, n_v=2, n_h=2, tau_p=3)


@pytest.fixture(scope="module")
def batch64():
    with jax.enable_x64(True):
        scen = sample_uplink_scenarios(jax.random.key(0), SMALL, 3, dtype=jnp.float64)
        rho = 0.5 * scen.p_max_w
        sinr = jax.vmap(closed_form_sinr)(scen.stats, rho)
        return scen, np.asarray(rho), np.asarray(sinr)


def test_batched_closed_form_references_agree(batch64):
    scen, rho, ours = batch64
    (beta, g, r, pilot, _), scalars = plain_arrays(scen.stats, scen.p_max_w, "numpy", double=True)
    np.testing.assert_allclose(numpy_uplink.closed_form_sinr(beta, g, r, pilot, rho, **scalars), ours, rtol=1e-10)
    t_args, _ = plain_arrays(scen.stats, scen.p_max_w, "torch", double=True)
    got = torch_uplink.closed_form_sinr(*t_args[:4], torch.from_numpy(rho), **scalars).numpy()
    np.testing.assert_allclose(got, ours, rtol=1e-10)


def test_torch_algorithm1_agrees_with_satjax():
    with jax.enable_x64(True):
        scen = sample_uplink_scenarios(jax.random.key(1), SMALL, 3, dtype=jnp.float64)
        ours = jax.vmap(lambda s, p: algorithm1(siso_problem(s), p, mode=Solve(tol=1e-8)))(scen.stats, scen.p_max_w)
        args, scalars = plain_arrays(scen.stats, scen.p_max_w, "torch", double=True)
        rho, iters = torch_uplink.algorithm1(*args, **scalars, tol=1e-8)
    np.testing.assert_array_equal(iters.numpy(), np.asarray(ours.trace.num_iters))
    np.testing.assert_allclose(rho.numpy(), np.asarray(ours.rho), rtol=1e-9, atol=1e-15)


def _torch_batch(examples):
    (beta, g, r, pilot, p_max), scalars = plain_arrays(examples.scenario.stats, examples.scenario.p_max_w, "torch", double=True)
    ap, sat = torch_shgnn.features(beta, g, r, pilot, p_max, **scalars)
    pr = examples.problem
    return ap, sat, p_max, *(torch.from_numpy(np.asarray(x)) for x in (pr.gain, pr.interference, pr.noise))


def _satjax_step(seed: int, num: int, num_layers: int):
    """float64 drops, a small SHGNN, its loss (51) and gradients, and the model after one optax
    Adam step (lr 1e-2): what the references must reproduce. Call inside ``enable_x64``.

    The drops are sampled compiled (1.6 s; op by op 3-4 s); the model, loss, gradients and Adam step
    run op by op, as the references do. Both tests use ``num = 4`` drops, so in one process the
    second finds the first's op-by-op programs compiled (its gradient 0.4 s instead of 5.7 s)."""
    task = PowerControlTask(SMALL)
    examples = jax.jit(jax.vmap(task.sample))(jax.random.split(jax.random.key(seed), num))
    examples = jax.tree.map(lambda x: x.astype(jnp.float64) if jnp.issubdtype(x.dtype, jnp.floating) else
                            (x.astype(jnp.complex128) if jnp.iscomplexobj(x) else x), examples)
    model = SHGNN(4, hidden=8, num_layers=num_layers, key=jax.random.key(seed + 1), dtype=jnp.float64)
    loss, grads = eqx.filter_value_and_grad(lambda m: jnp.mean(jax.vmap(lambda ex: task.loss(m, ex))(examples)))(model)
    opt = optax.adam(1e-2)
    params = eqx.filter(model, eqx.is_inexact_array)
    updates, _ = opt.update(grads, opt.init(params), params)
    return examples, model, loss, grads, eqx.apply_updates(model, updates)


def test_torch_shgnn_forward_gradients_and_adam_step_agree():
    with jax.enable_x64(True):
        examples, model, loss, grads, stepped = _satjax_step(seed=2, num=4, num_layers=2)
        ref = torch_shgnn.from_satjax(model, torch.float64)
        batch = _torch_batch(examples)

        powers = jax.vmap(lambda ex: model(ex.scenario))(examples)
        np.testing.assert_allclose(ref(*batch[:3]).detach().numpy(), powers, rtol=1e-10)

        t_opt = torch.optim.Adam(ref.parameters(), lr=1e-2)
        t_loss = torch_shgnn.train_step(ref, t_opt, batch)
    np.testing.assert_allclose(float(t_loss), float(loss), rtol=1e-10)
    jax_grads = torch_shgnn.from_satjax(grads, torch.float64)          # same structure as the model
    for (name, p), g in zip(ref.named_parameters(), jax_grads.parameters(), strict=True):
        assert p.grad is not None, name                                # every parameter is used
        t_grad = p.grad.numpy()
        np.testing.assert_allclose(t_grad, g.detach().numpy(), rtol=1e-8, atol=1e-14, err_msg=name)
    after = torch_shgnn.from_satjax(stepped, torch.float64)
    for (name, p), q in zip(ref.named_parameters(), after.parameters(), strict=True):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-7, atol=1e-12, err_msg=name)


def test_numpy_shgnn_backward_and_adam_step_agree_with_satjax():
    """The hand-written NumPy backward pass gives satjax's gradients; its Adam step optax's."""
    with jax.enable_x64(True):
        examples, model, loss, grads, stepped = _satjax_step(seed=5, num=4, num_layers=3)
    stepped = numpy_shgnn.params_from_satjax(stepped)

    (beta, g, r, pilot, p_max), scalars = plain_arrays(examples.scenario.stats, examples.scenario.p_max_w, "numpy", double=True)
    pr = examples.problem
    batch = (beta, g, r, pilot, p_max, *(np.asarray(x) for x in (pr.gain, pr.interference, pr.noise)))
    p = numpy_shgnn.params_from_satjax(model)
    ap, sat = numpy_shgnn.features(beta, g, r, pilot, p_max, **scalars)
    np_loss, np_grads = numpy_shgnn.loss_and_grads(p, ap, sat, p_max, *batch[5:], num_layers=3)
    np.testing.assert_allclose(np_loss, float(loss), rtol=1e-10)
    expected = numpy_shgnn.params_from_satjax(grads)
    assert set(np_grads) == set(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(np_grads[name], value, rtol=1e-8, atol=1e-13, err_msg=name)
    numpy_shgnn.train_step(p, numpy_shgnn.Adam(p, lr=1e-2), batch, scalars=scalars, num_layers=3)
    for name, value in stepped.items():
        np.testing.assert_allclose(p[name], value, rtol=1e-9, atol=1e-13, err_msg=name)


def _downlink_batch(seed: int, num: int, params):
    """float64 system-B drops and their plain arrays (satjax problems, PyTorch tensors)."""
    import satjax.downlink as dl

    keys = jax.random.split(jax.random.key(seed), num)
    scen = jax.vmap(lambda k: dl.sample_downlink_scenario(k, params, jnp.float64))(keys)
    pr = scen.problem
    t = lambda x: torch.from_numpy(np.array(x))  # noqa: E731
    return scen, (t(pr.v), t(pr.gamma), t(pr.noise_w), t(pr.p_max_w), t(pr.bandwidth_hz), t(pr.xi), t(pr.p_static_w))


def test_torch_edge_gnn_forward_loss_and_gradients_agree():
    import satjax.downlink as dl
    from benchmarks.reference import torch_precoders
    from satjax.downlink import EdgeGNN

    with jax.enable_x64(True):
        params = dl.DownlinkParams(n_h=3, n_v=2, num_users=4)
        scen, batch = _downlink_batch(0, 3, params)
        task = dl.PrecodingTask(params)
        model = EdgeGNN(hidden=8, num_layers=2, key=jax.random.key(1), dtype=jnp.float64)
        b = jax.vmap(lambda s: model(s))(scen)
        loss, grads = eqx.filter_value_and_grad(lambda m: jnp.mean(jax.vmap(lambda s: task.loss(m, s))(scen)))(model)
    ref = torch_precoders.edge_gnn_from_satjax(model, torch.float64)
    got = ref(*batch[:4], batch[5], batch[6]).detach().numpy()
    np.testing.assert_allclose(got, np.asarray(b), rtol=1e-10, atol=1e-13)
    t_loss = torch_precoders.loss(ref, batch)
    t_loss.backward()
    np.testing.assert_allclose(float(t_loss.detach()), float(loss), rtol=1e-10)
    expected = torch_precoders.edge_gnn_from_satjax(grads, torch.float64)
    for (name, p), g in zip(ref.named_parameters(), expected.parameters(), strict=True):
        assert p.grad is not None, name
        np.testing.assert_allclose(p.grad.numpy(), g.detach().numpy(), rtol=1e-8, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("share", [False, True])
def test_torch_taylor_inverse_agrees_with_satjax(share):
    """The learned inverse of the deep unfolding, at trained-looking (perturbed) coefficients."""
    from benchmarks.reference import torch_precoders
    from satjax.downlink.models import TaylorInverse
    from tests.downlink.test_models import _perturbed

    with jax.enable_x64(True):
        keys = jax.random.split(jax.random.key(4), 2)
        x = jax.random.normal(keys[0], (3, 6, 6)) + 1j * jax.random.normal(keys[1], (3, 6, 6))
        m = x @ jnp.conj(jnp.swapaxes(x, -1, -2)) + 0.5 * jnp.eye(6)[None]
        inverse = _perturbed(TaylorInverse(4, share_layers=share, dtype=jnp.float64), 0.05, seed=7)
        ours = jax.vmap(inverse.inverse)(m)
        untrained = jax.vmap(TaylorInverse(40, dtype=jnp.float64).inverse)(m)
    got = torch_precoders.taylor_inverse_from_satjax(inverse, torch.float64)(torch.from_numpy(np.array(m)))
    np.testing.assert_allclose(got.detach().numpy(), np.asarray(ours), rtol=1e-10, atol=1e-12)
    # and the untrained network (Newton-Schulz) is the inverse with enough layers: a meaningful point
    np.testing.assert_allclose(np.asarray(untrained) @ np.asarray(m), np.broadcast_to(np.eye(6), (3, 6, 6)), atol=1e-8)
