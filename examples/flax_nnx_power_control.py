"""Train a Flax NNX model with ``nnx.Optimizer`` whose loss is satjax's closed-form sum rate.

System A (uplink cell-free massive MIMO + LEO satellite, paper A). The user's model is a plain
per-user MLP on features of the channel statistics; it outputs transmit powers in [0, P_max].
The loss is minus the sum spectral efficiency of Theorem 1's closed-form SINR
(:class:`satjax.uplink.PowerControlTask`), so gradients flow through the physics. The trained
model is then scored on fixed drops with :class:`satjax.train.Evaluator` against full power and
Algorithm 1 (wrapped by :class:`satjax.interop.NNXInEquinox`, since the Evaluator jits Equinox
policies).

    python -m examples.flax_nnx_power_control out/flax [--tiny]
"""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from examples._util import parser, small_uplink, start, write_json


def user_features(scenario) -> jax.Array:
    """``[K, 5]`` per-user features: mean and max over APs of the standardized AP gains, the three
    standardized satellite features (the SHGNN's inputs, :func:`satjax.uplink.graph_inputs`)."""
    from satjax.uplink import graph_inputs

    g = graph_inputs(scenario.stats, scenario.p_max_w)
    ap = g.ap_user[..., 0]                                         # [M, K]
    return jnp.concatenate([ap.mean(0)[:, None], ap.max(0)[:, None], g.sat_user], axis=-1)


class PowerMLP(nnx.Module):
    """Per-user MLP with a mean-field context: powers = P_max * sigmoid(MLP([x_k, mean_j x_j]))."""

    def __init__(self, hidden: int, *, rngs: nnx.Rngs):
        self.l1 = nnx.Linear(10, hidden, rngs=rngs)
        self.l2 = nnx.Linear(hidden, hidden, rngs=rngs)
        self.out = nnx.Linear(hidden, 1, rngs=rngs)

    def __call__(self, scenario, key=None):                       # a satjax policy: (scenario, key) -> rho
        x = user_features(scenario)
        x = jnp.concatenate([x, jnp.broadcast_to(x.mean(0, keepdims=True), x.shape)], axis=-1)
        h = nnx.relu(self.l2(nnx.relu(self.l1(x))))
        return scenario.p_max_w * nnx.sigmoid(self.out(h)[:, 0] + 2.0)


def main(argv=None) -> dict:
    args = parser(__doc__).parse_args(argv)
    out = start(args)
    from satjax.interop import NNXInEquinox
    from satjax.train import Evaluator
    from satjax.uplink import Algorithm1Policy, FullPower, PowerControlTask

    steps, batch, hidden, drops = (8, 4, 16, 8) if args.tiny else (300, 32, 64, 128)
    task = PowerControlTask(small_uplink(args.tiny, num_users=20), utility="sum_rate")
    model = PowerMLP(hidden, rngs=nnx.Rngs(0))
    untrained = nnx.clone(model)
    optimizer = nnx.Optimizer(model, optax.adam(1e-2), wrt=nnx.Param)

    def loss_fn(model, examples):                                 # -mean sum SE [bit/s/Hz] over the batch
        return jnp.mean(jax.vmap(lambda ex: task.loss(model, ex))(examples))

    @nnx.jit
    def train_step(model, optimizer, key):
        examples = jax.vmap(task.sample)(jax.random.split(key, batch))   # fresh drops, on the fly
        loss, grads = nnx.value_and_grad(loss_fn)(model, examples)
        optimizer.update(model, grads)
        return loss

    key = jax.random.key(1)
    losses = [float(train_step(model, optimizer, jax.random.fold_in(key, i))) for i in range(steps)]

    evaluator = Evaluator(task, jax.random.key(2), drops)
    scores = {name: evaluator(policy)["sum_mbps"] for name, policy in
              [("flax_mlp", NNXInEquinox(model)), ("flax_mlp_untrained", NNXInEquinox(untrained)),
               ("full_power", FullPower()), ("algorithm1", Algorithm1Policy())]}
    result = {"loss_first": losses[0], "loss_last": losses[-1], "steps": steps, "sum_mbps": scores,
              "fraction_of_algorithm1": scores["flax_mlp"] / scores["algorithm1"]}
    write_json(out, "result.json", result)
    _plot(out, losses)
    return result


def _plot(out, losses):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(-jnp.asarray(losses))
    ax.set(xlabel="step", ylabel="training sum SE [bit/s/Hz]", title="Flax NNX model, closed-form loss")
    fig.tight_layout()
    fig.savefig(out / "training.png", dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main(sys.argv[1:])
