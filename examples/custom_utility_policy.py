"""A user-defined utility and a user-defined policy, scored against Algorithm 1 with satjax's
:class:`satjax.train.Evaluator`.

The utility is alpha-fairness with alpha = 2 (``-sum_k 1/SE_k``: strongly favours weak users), a
utility satjax does not ship. The task (:class:`satjax.train.Task` protocol: ``sample``, ``loss``,
``score``) reuses satjax's system-A drops and closed form and reports the user's utility next to
the sum throughput. The policy is the user's own: projected gradient ascent of that utility in
log power with Optax, an ``eqx.Module`` with ``__call__(scenario, key)``. Algorithm 1 (which
maximizes the sum rate) and full power are the references.

    python -m examples.custom_utility_policy out/custom [--tiny]
"""

from __future__ import annotations

import sys

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

from examples._util import parser, small_uplink, start, write_json


def alpha2_fair(se, mask):
    """-sum_k 1/SE_k over real users (alpha-fair utility, alpha = 2); SE floored at 1e-3 bit/s/Hz."""
    return -jnp.sum(jnp.where(mask, 1.0 / jnp.maximum(se, 1e-3), 0.0))


class FairTask(eqx.Module):
    """System A's drops and closed form with the user's utility (a :class:`satjax.train.Task`)."""

    base: object          # satjax.uplink.PowerControlTask: the drops and the throughput scale

    def sample(self, key):
        return self.base.sample(key)

    def loss(self, model, example):
        from satjax.uplink import spectral_efficiency

        return -alpha2_fair(spectral_efficiency(example.problem, model(example.scenario, None)), example.problem.user_mask)

    def score(self, policy, example, key):
        from satjax.uplink import spectral_efficiency

        se = spectral_efficiency(example.problem, policy(example.scenario, key))
        mask = example.problem.user_mask
        return {"alpha2_utility": alpha2_fair(se, mask), "sum_mbps": jnp.sum(jnp.where(mask, se, 0)) * self.base.mbps_per_se,
                "min_user_mbps": jnp.min(jnp.where(mask, se, jnp.inf)) * self.base.mbps_per_se}


class FairGradientPolicy(eqx.Module):
    """The user's policy: ``steps`` Adam steps on the alpha-2 utility in log power, powers in [0, P_max]."""

    steps: int = eqx.field(static=True, default=100)
    lr: float = eqx.field(static=True, default=0.1)

    def __call__(self, scenario, key=None):
        from satjax.uplink import siso_problem, spectral_efficiency

        problem = siso_problem(scenario.stats)
        tx = optax.adam(self.lr)

        def rho_of(x):                                       # x <= 0: log of the fraction of P_max
            return scenario.p_max_w * jnp.exp(jnp.minimum(x, 0.0))

        def step(carry, _):
            x, state = carry
            g = jax.grad(lambda x: -alpha2_fair(spectral_efficiency(problem, rho_of(x)), problem.user_mask))(x)
            updates, state = tx.update(g, state)
            return (jnp.minimum(optax.apply_updates(x, updates), 0.0), state), None

        x0 = jnp.zeros_like(scenario.p_max_w)
        (x, _), _ = jax.lax.scan(step, (x0, tx.init(x0)), length=self.steps)
        return rho_of(x)


def main(argv=None) -> dict:
    args = parser(__doc__).parse_args(argv)
    out = start(args)
    from satjax.train import Evaluator
    from satjax.uplink import Algorithm1Policy, FullPower, PowerControlTask

    drops, steps = (8, 30) if args.tiny else (128, 200)
    task = FairTask(PowerControlTask(small_uplink(args.tiny, num_users=20)))
    evaluator = Evaluator(task, jax.random.key(0), drops)
    policies = {"full_power": FullPower(), "algorithm1": Algorithm1Policy(), "fair_gradient": FairGradientPolicy(steps=steps)}
    table = {name: evaluator(policy) for name, policy in policies.items()}
    write_json(out, "scores.json", {"drops": drops, "scores": table})
    lines = ["| policy | alpha-2 utility | sum [Mbps] | weakest user [Mbps] |", "|---|---|---|---|"]
    lines += [f"| {n} | {s['alpha2_utility']:.3f} | {s['sum_mbps']:.1f} | {s['min_user_mbps']:.2f} |" for n, s in table.items()]
    (out / "scores.md").write_text("\n".join(lines) + "\n")
    return table


if __name__ == "__main__":
    main(sys.argv[1:])
