"""System B: satjax's deep-unfolded Dinkelbach-WMMSE precoder (paper B, Sec. IV) as a layer of a
user's model, trained end to end through the energy efficiency.

The user's model chooses a transmit budget fraction from the statistical CSI (a small MLP on the
channel gains), hands the problem with that budget to :class:`satjax.downlink.UnfoldedDinkelbachWMMSE`,
and returns its precoders. Loss = minus the energy efficiency of bound (9)
(:class:`satjax.downlink.PrecodingTask`); gradients reach both the user's MLP and the unfolded
precoder's learned Taylor inverse. Scored against Dinkelbach-WMMSE (Algorithm 2 run to
convergence) and statistical MMSE with :class:`satjax.train.Evaluator`.

    python -m examples.unfolded_precoder_layer out/unfolded [--tiny]
"""

from __future__ import annotations

import sys

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

from examples._util import parser, start, write_json


class BudgetThenUnfolded(eqx.Module):
    """b = UnfoldedDinkelbachWMMSE(problem with budget sigmoid(MLP(gains)) * P_max)."""

    budget: eqx.nn.MLP
    precoder: eqx.Module

    def __init__(self, num_outer: int, num_inner: int, num_layers: int, *, key):
        from satjax.downlink import UnfoldedDinkelbachWMMSE

        self.budget = eqx.nn.MLP(2, 1, 16, depth=1, key=key)
        self.precoder = UnfoldedDinkelbachWMMSE(num_outer=num_outer, num_inner=num_inner, num_layers=num_layers)

    def __call__(self, scenario, key=None):
        problem = scenario.problem
        gains = jnp.real(jnp.einsum("nk,nk->k", jnp.conj(problem.v), problem.v)) / problem.noise_w   # [K]
        gains = jnp.maximum(gains, 1e-30)                                   # padded users: zero channels
        x = jnp.stack([jnp.mean(jnp.log10(gains)), jnp.std(jnp.log10(gains))])
        fraction = jax.nn.sigmoid(self.budget(x)[0] + 2.0)
        return self.precoder.precoders(eqx.tree_at(lambda p: p.p_max_w, problem, problem.p_max_w * fraction))


def main(argv=None) -> dict:
    args = parser(__doc__).parse_args(argv)
    out = start(args)
    from satjax.downlink import DinkelbachWMMSEPolicy, DownlinkParams, PrecodingTask, StatisticalMMSE
    from satjax.train import Evaluator

    if args.tiny:
        params, sizes, steps, batch, drops = DownlinkParams(n_h=2, n_v=2, num_users=2, num_paths=2), (1, 1, 1), 4, 2, 4
    else:
        params, sizes, steps, batch, drops = DownlinkParams(), (3, 5, 4), 200, 64, 256
    task = PrecodingTask(params)
    model = BudgetThenUnfolded(*sizes, key=jax.random.key(0))
    untrained = model
    tx = optax.adam(0.01)
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
    policies = {"user_model_trained": model, "user_model_untrained": untrained,
                "dinkelbach_wmmse": DinkelbachWMMSEPolicy(), "statistical_mmse": StatisticalMMSE()}
    scores = {name: evaluator(policy) for name, policy in policies.items()}
    result = {"loss_first": losses[0], "loss_last": losses[-1], "steps": steps,
              "ee_mbit_per_j": {n: s["ee_mbit_per_j"] for n, s in scores.items()},
              "power_w": {n: s["power_w"] for n, s in scores.items()},
              "max_power_over_budget": max(s["power_over_budget"] for s in scores.values())}
    write_json(out, "result.json", result)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
