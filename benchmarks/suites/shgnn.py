"""Paper A's SHGNN: inference per scenario (features from the statistics -> powers) and one
training step (forward, loss (51), backward, Adam update) against NumPy (hand-written backward
pass) and PyTorch, all float32.

Model as trained by ``python -m experiments.train +exp=shgnn``: hidden 64, 3 layers, compact
satellite features, float32. Inference at K in {20, 50} (M = 40, N = 25), batch 1 and 256;
training step at K = 30 on batches of 32 and 64 drops whose closed-form terms were computed at
sampling time (as the trainer does), so both frameworks time the same work.
"""

from __future__ import annotations

import equinox as eqx
import jax
import numpy as np
import optax

from benchmarks.common import Settings, case, time_eager, time_jax, torch_compiled
from benchmarks.reference import numpy_shgnn
from benchmarks.reference.convert import plain_arrays
from satjax.uplink import SHGNN
from satjax.uplink import PowerControlTask, UplinkParams, sample_uplink_scenarios

SUITE = "shgnn"
HIDDEN, LAYERS, LR = 64, 3, 1e-3


def _reference():
    try:
        import torch

        from benchmarks.reference import torch_shgnn
    except ImportError:
        return None, None
    return torch, torch_shgnn


def inference(settings: Settings, model):
    torch, ref = _reference()
    k_values, batches = ((10,), (1, 8)) if settings.quick else ((20, 50), (1, 256))
    m, n = (8, 4) if settings.quick else (40, 25)
    f = jax.jit(lambda net, st, p: jax.vmap(net.powers)(st, p))       # weights as an argument, not constants
    np_params = numpy_shgnn.params_from_satjax(model, np.float32)
    for k in k_values:
        desc = {"K": k, "M": m, "N": n, "hidden": HIDDEN, "layers": LAYERS}
        params = UplinkParams(num_users=k, num_aps=m, n_v=int(n**0.5), n_h=int(n**0.5), tau_p=k // 2)
        scen = sample_uplink_scenarios(jax.random.key(k), params, max(batches))
        for b in batches:
            sub = jax.tree.map(lambda x: x[:b], scen)
            (nb_, ng, nr, npl, npm), nscal = plain_arrays(sub.stats, sub.p_max_w, "numpy")
            yield case(SUITE, "inference", "numpy", desc, b, time_eager(
                lambda: numpy_shgnn.powers(np_params, *numpy_shgnn.features(nb_, ng, nr, npl, npm, **nscal), npm, LAYERS),
                repeats=settings.repeats, per=b))
            yield case(SUITE, "inference", "satjax", desc, b,
                       time_jax(f, model, sub.stats, sub.p_max_w, repeats=settings.repeats, per=b, settings=settings,
                                roofline=True))
            if ref is None:
                continue
            args, scalars = plain_arrays(sub.stats, sub.p_max_w, "torch")
            net = ref.from_satjax(model)
            impls = {"torch": net}
            if settings.torch_compile and not settings.quick:
                impls["torch.compile"] = torch_compiled(net)

            for impl, fn in impls.items():
                def call(fn=fn):
                    with torch.no_grad():
                        return fn(*ref.features(*args, **scalars), args[4])

                yield case(SUITE, "inference", impl, desc, b, time_eager(call, repeats=settings.repeats, per=b))


def training_step(settings: Settings, model):
    torch, ref = _reference()
    k = 10 if settings.quick else 30
    params = UplinkParams(num_users=k, num_aps=8, n_v=2, n_h=2, tau_p=5) if settings.quick else \
        UplinkParams(num_users=k, num_aps=40, tau_p=k // 2)
    task = PowerControlTask(params)
    desc = {"K": k, "M": params.num_aps, "N": params.n_v * params.n_h, "hidden": HIDDEN, "layers": LAYERS}
    optimizer = optax.adam(LR)
    trainable, static = eqx.partition(model, eqx.is_inexact_array)

    def step(p, opt_state, examples):
        def loss_fn(q):
            m = eqx.combine(q, static)
            return jax.numpy.mean(jax.vmap(lambda ex: task.loss(m, ex))(examples))

        loss, grads = jax.value_and_grad(loss_fn)(p)
        updates, opt_state = optimizer.update(grads, opt_state, p)
        return optax.apply_updates(p, updates), opt_state, loss

    for b in (8,) if settings.quick else (32, 64):
        examples = jax.vmap(task.sample)(jax.random.split(jax.random.key(b), b))
        yield case(SUITE, "training_step", "satjax", desc, b,
                   time_jax(step, trainable, optimizer.init(trainable), examples, repeats=settings.repeats, per=b,
                            settings=settings, roofline=True))
        (nbeta, ng, nr, npl, npm), nscal = plain_arrays(examples.scenario.stats, examples.scenario.p_max_w, "numpy")
        nbatch = (nbeta, ng, nr, npl, npm, *(np.asarray(x) for x in (examples.problem.gain, examples.problem.interference,
                                                                   examples.problem.noise)))
        np_params = numpy_shgnn.params_from_satjax(model, np.float32)
        np_opt = numpy_shgnn.Adam(np_params, lr=LR)
        yield case(SUITE, "training_step", "numpy", desc, b, time_eager(
            lambda: numpy_shgnn.train_step(np_params, np_opt, nbatch, scalars=nscal, num_layers=LAYERS),
            repeats=settings.repeats, per=b))
        if ref is None:
            continue
        args, scalars = plain_arrays(examples.scenario.stats, examples.scenario.p_max_w, "torch")
        pr = examples.problem
        batch = (*args, *(torch.from_numpy(np.array(x)).to(args[0].device) for x in (pr.gain, pr.interference, pr.noise)))

        def loss_from_stats(net, beta, g, r, pilot, p_max, a, interference, noise):
            # features from the statistics inside the step, as satjax's task.loss does
            return ref.loss(net, *ref.features(beta, g, r, pilot, p_max, **scalars), p_max, a, interference, noise)

        impls = {"torch": loss_from_stats}
        if settings.torch_compile and not settings.quick:
            impls["torch.compile"] = torch_compiled(loss_from_stats)
        for impl, loss_fn in impls.items():
            net = ref.from_satjax(model)
            opt = torch.optim.Adam(net.parameters(), lr=LR)
            stats = time_eager(lambda net=net, opt=opt, loss_fn=loss_fn: ref.train_step(net, opt, batch, loss_fn),
                               repeats=settings.repeats, per=b)
            yield case(SUITE, "training_step", impl, desc, b, stats)


def run(settings: Settings):
    model = SHGNN(4 if settings.quick else 25, hidden=HIDDEN, num_layers=LAYERS, key=jax.random.key(0))
    yield from inference(settings, model)
    yield from training_step(settings, model)
