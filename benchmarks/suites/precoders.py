"""Paper B's learned precoders: inference per channel and one training step (forward, loss (15),
backward, Adam update) of the end-to-end edge GNN against PyTorch (the paper's framework); the
learned Taylor inverse of the GNN deep unfolding against PyTorch; and, in the same run, the whole
deep-unfolded Dinkelbach-WMMSE beside Dinkelbach-WMMSE in solve mode (the speed-up the learned
precoders exist for). float32, Table I size (N_t = 64, K = 10), batch 1 and 64.

Models at the main job's settings: edge GNN hidden 64, 3 layers; unfolding (3 Dinkelbach, 5 WMMSE,
4 Taylor layers). Timings do not depend on trained values (untrained parameters are used).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from benchmarks.common import Settings, case, time_eager, time_jax
from satjax.downlink import DownlinkParams, PrecodingTask, dinkelbach_wmmse, sample_downlink_scenario
from satjax.downlink import EdgeGNN, UnfoldedDinkelbachWMMSE
from satjax.optim import Solve

SUITE = "precoders"
LR = 1e-2


def _reference():
    try:
        import torch

        from benchmarks.reference import torch_precoders
    except ImportError:
        return None, None
    return torch, torch_precoders


def _torch_batch(torch, problems):
    t = lambda x: torch.from_numpy(np.array(x))  # noqa: E731
    p = problems
    return t(p.v), t(p.gamma), t(p.noise_w), t(p.p_max_w), t(p.bandwidth_hz), t(p.xi), t(p.p_static_w)


def run(settings: Settings):
    torch, ref = _reference()
    side, k = (4, 4) if settings.quick else (8, 10)
    hidden, layers = (16, 2) if settings.quick else (64, 3)
    params = DownlinkParams(n_h=side, n_v=side, num_users=k)
    batches = (1, 8) if settings.quick else (1, 64)
    scen = jax.vmap(lambda key: sample_downlink_scenario(key, params))(jax.random.split(jax.random.key(0), max(batches)))
    desc = {"N_t": side * side, "K": k}
    gnn = EdgeGNN(hidden=hidden, num_layers=layers, key=jax.random.key(1))
    unfolded = UnfoldedDinkelbachWMMSE(num_outer=3, num_inner=5, num_layers=4)
    infer = jax.jit(lambda net, p: jax.vmap(net.precoders)(p))
    solve = jax.jit(jax.vmap(lambda p: dinkelbach_wmmse(p, mode=Solve(1e-5, 30), inner=Solve(1e-5, 200))[0]))
    unfold = jax.jit(lambda net, s: jax.vmap(lambda x: net(x))(s))
    for b in batches:
        sub = jax.tree.map(lambda x: x[:b], scen)
        gdesc = {**desc, "hidden": hidden, "layers": layers}
        yield case(SUITE, "edge_gnn_inference", "satjax", gdesc, b,
                   time_jax(infer, gnn, sub.problem, repeats=settings.repeats, per=b, settings=settings))
        yield case(SUITE, "unfolded_wmmse_inference", "satjax", {**desc, "outer": 3, "inner": 5, "taylor": 4}, b,
                   time_jax(unfold, unfolded, sub, repeats=settings.repeats, per=b, settings=settings))
        yield case(SUITE, "dinkelbach_wmmse_solve", "satjax", desc, b,
                   time_jax(solve, sub.problem, repeats=max(2, settings.repeats // 2), per=b, settings=settings))
        m = _inverse_inputs(sub.problem)
        yield case(SUITE, "taylor_inverse", "satjax", {"N": side * side, "layers": 4}, b,
                   time_jax(jax.jit(jax.vmap(unfolded.inverse.inverse)), m, repeats=settings.repeats, per=b,
                            settings=settings))
        if ref is None:
            continue
        batch = _torch_batch(torch, sub.problem)
        net = ref.edge_gnn_from_satjax(gnn)
        with torch.no_grad():
            stats = time_eager(lambda: net(*batch[:4], batch[5], batch[6]), repeats=settings.repeats, per=b)
        yield case(SUITE, "edge_gnn_inference", "torch", gdesc, b, stats)
        t_inverse = ref.taylor_inverse_from_satjax(unfolded.inverse)
        t_m = torch.from_numpy(np.array(m))
        with torch.no_grad():
            stats = time_eager(lambda: t_inverse(t_m), repeats=settings.repeats, per=b)
        yield case(SUITE, "taylor_inverse", "torch", {"N": side * side, "layers": 4}, b, stats)
    yield from training_step(settings, gnn, params, gdesc, torch, ref)


def _inverse_inputs(problems):
    """The matrices M = A + cI the deep unfolding inverts, at statistical MRT receivers: A = Σ_k γ_k v_k v_kᴴ."""
    a = jnp.einsum("bnk,bmk->bnm", problems.v * problems.gamma[:, None, :], jnp.conj(problems.v))
    n = a.shape[-1]
    return a + (jnp.mean(jnp.abs(a), axis=(1, 2)) * 0.1)[:, None, None] * jnp.eye(n, dtype=a.dtype)[None]


def training_step(settings, gnn, params, desc, torch, ref):
    task = PrecodingTask(params)
    optimizer = optax.adam(LR)
    trainable, static = eqx.partition(gnn, eqx.is_inexact_array)

    def step(p, opt_state, examples):
        def loss_fn(q):
            m = eqx.combine(q, static)
            return jnp.mean(jax.vmap(lambda ex: task.loss(m, ex))(examples))

        loss, grads = jax.value_and_grad(loss_fn)(p)
        updates, opt_state = optimizer.update(grads, opt_state, p)
        return optax.apply_updates(p, updates), opt_state, loss

    b = 8 if settings.quick else 64
    examples = jax.vmap(task.sample)(jax.random.split(jax.random.key(b), b))
    yield case(SUITE, "edge_gnn_training_step", "satjax", desc, b,
               time_jax(step, trainable, optimizer.init(trainable), examples, repeats=settings.repeats, per=b,
                        settings=settings))
    if ref is None:
        return
    batch = _torch_batch(torch, examples.problem)
    net = ref.edge_gnn_from_satjax(gnn)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    yield case(SUITE, "edge_gnn_training_step", "torch", desc, b,
               time_eager(lambda: ref.train_step(net, opt, batch), repeats=settings.repeats, per=b))
