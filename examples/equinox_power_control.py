"""The Flax example with an Equinox model: an ``eqx.Module`` trained with Optax, loss = satjax's
closed-form sum rate (system A, Theorem 1).

An Equinox model is already what :func:`satjax.train.fit` trains (checkpoints, metrics,
evaluation); this script writes the loop out instead, to show that nothing but
``eqx.filter_value_and_grad`` is needed.

    python -m examples.equinox_power_control out/eqx [--tiny]
"""

from __future__ import annotations

import sys

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

from examples._util import parser, small_uplink, start, write_json
from examples.flax_nnx_power_control import user_features


class PowerMLP(eqx.Module):
    """Per-user MLP with a mean-field context: powers = P_max * sigmoid(MLP([x_k, mean_j x_j]))."""

    mlp: eqx.nn.MLP

    def __init__(self, hidden: int, *, key):
        self.mlp = eqx.nn.MLP(10, 1, hidden, depth=2, key=key)

    def __call__(self, scenario, key=None):
        x = user_features(scenario)
        x = jnp.concatenate([x, jnp.broadcast_to(x.mean(0, keepdims=True), x.shape)], axis=-1)
        return scenario.p_max_w * jax.nn.sigmoid(jax.vmap(self.mlp)(x)[:, 0] + 2.0)


def main(argv=None) -> dict:
    args = parser(__doc__).parse_args(argv)
    out = start(args)
    from satjax.train import Evaluator
    from satjax.uplink import Algorithm1Policy, FullPower, PowerControlTask

    steps, batch, hidden, drops = (8, 4, 16, 8) if args.tiny else (300, 32, 64, 128)
    task = PowerControlTask(small_uplink(args.tiny, num_users=20), utility="sum_rate")
    model = PowerMLP(hidden, key=jax.random.key(0))
    untrained = model
    tx = optax.adam(1e-2)
    opt_state = tx.init(eqx.filter(model, eqx.is_inexact_array))

    @eqx.filter_jit
    def train_step(model, opt_state, key):
        examples = jax.vmap(task.sample)(jax.random.split(key, batch))
        loss, grads = eqx.filter_value_and_grad(
            lambda m: jnp.mean(jax.vmap(lambda ex: task.loss(m, ex))(examples)))(model)
        updates, opt_state = tx.update(grads, opt_state, eqx.filter(model, eqx.is_inexact_array))
        return eqx.apply_updates(model, updates), opt_state, loss

    losses = []
    for i in range(steps):
        model, opt_state, loss = train_step(model, opt_state, jax.random.fold_in(jax.random.key(1), i))
        losses.append(float(loss))

    evaluator = Evaluator(task, jax.random.key(2), drops)
    scores = {name: evaluator(policy)["sum_mbps"] for name, policy in
              [("equinox_mlp", model), ("equinox_mlp_untrained", untrained), ("full_power", FullPower()),
               ("algorithm1", Algorithm1Policy())]}
    eqx.tree_serialise_leaves(out / "model.eqx", model)
    result = {"loss_first": losses[0], "loss_last": losses[-1], "steps": steps, "sum_mbps": scores,
              "fraction_of_algorithm1": scores["equinox_mlp"] / scores["algorithm1"]}
    write_json(out, "result.json", result)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
