"""satjax's own SHGNN (paper A, Sec. V) as a layer of a user's Flax NNX model.

:class:`satjax.interop.EquinoxInNNX` turns the Equinox SHGNN into an NNX module whose arrays are
``nnx.Param``s, so the user's ``nnx.Optimizer`` trains the SHGNN's weights together with the
user's own parameters. Here the user's model adds a learned per-user power back-off, from a small
NNX layer, on top of the SHGNN's powers; the loss is the closed-form sum rate (Theorem 1).

    python -m examples.shgnn_in_flax out/shgnn_flax [--tiny]
"""

from __future__ import annotations

import sys

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from flax import nnx

from examples._util import parser, small_uplink, start, write_json
from examples.flax_nnx_power_control import user_features


class GNNWithBackoff(nnx.Module):
    """powers = SHGNN(scenario) * sigmoid(4 + Linear(features)): the GNN, then the user's back-off."""

    def __init__(self, num_antennas: int, hidden: int, num_layers: int, *, rngs: nnx.Rngs):
        from satjax.interop import EquinoxInNNX
        from satjax.uplink import SHGNN

        self.gnn = EquinoxInNNX(SHGNN(num_antennas, hidden=hidden, num_layers=num_layers, key=rngs.params()))
        self.backoff = nnx.Linear(5, 1, kernel_init=nnx.initializers.zeros, rngs=rngs)

    def __call__(self, scenario, key=None):
        return self.gnn(scenario) * nnx.sigmoid(4.0 + self.backoff(user_features(scenario))[:, 0])


def main(argv=None) -> dict:
    args = parser(__doc__).parse_args(argv)
    out = start(args)
    from satjax.interop import NNXInEquinox
    from satjax.train import Evaluator
    from satjax.uplink import Algorithm1Policy, PowerControlTask

    steps, batch, hidden, layers, drops = (6, 4, 8, 1, 8) if args.tiny else (300, 32, 64, 3, 128)
    params = small_uplink(args.tiny, num_users=20)
    task = PowerControlTask(params)
    model = GNNWithBackoff(params.n_v * params.n_h, hidden, layers, rngs=nnx.Rngs(0))
    untrained = nnx.clone(model)
    optimizer = nnx.Optimizer(model, optax.adam(1e-2), wrt=nnx.Param)

    @nnx.jit
    def train_step(model, optimizer, key):
        examples = jax.vmap(task.sample)(jax.random.split(key, batch))
        loss, grads = nnx.value_and_grad(
            lambda m: jnp.mean(jax.vmap(lambda ex: task.loss(m, ex))(examples)))(model)
        optimizer.update(model, grads)
        return loss

    losses = [float(train_step(model, optimizer, jax.random.fold_in(jax.random.key(1), i))) for i in range(steps)]
    moved = jax.tree.map(lambda a, b: float(jnp.max(jnp.abs(a - b))), nnx.state(untrained, nnx.Param),
                         nnx.state(model, nnx.Param))
    evaluator = Evaluator(task, jax.random.key(2), drops)
    ours, alg1 = evaluator(NNXInEquinox(model))["sum_mbps"], evaluator(Algorithm1Policy())["sum_mbps"]
    before = evaluator(NNXInEquinox(untrained))["sum_mbps"]
    eqx.tree_serialise_leaves(out / "shgnn.eqx", model.gnn.module)      # the SHGNN alone, as satjax saves it
    result = {"loss_first": losses[0], "loss_last": losses[-1], "steps": steps,
              "max_change_shgnn_params": max(jax.tree.leaves(moved["gnn"])),
              "max_change_backoff_params": max(jax.tree.leaves(moved["backoff"])),
              "sum_mbps": {"shgnn_with_backoff": ours, "shgnn_with_backoff_untrained": before, "algorithm1": alg1}, "fraction_of_algorithm1": ours / alg1}
    write_json(out, "result.json", result)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
