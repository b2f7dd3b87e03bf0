"""Gradient-based design of a physical quantity: split a per-user energy budget between the pilot
and the data, by ``jax.grad`` through the scenario sampler and Theorem 1's closed form.

More pilot power gives better channel estimates (Lemma 1) and less data power, so the mean sum
SE at full power has an interior optimum in the pilot fraction f (pilot_power_w = f E,
p_max_w = (1 - f) E). Gradient ascent on logit(f) over fixed drops finds it; a grid over f (one
vmapped program) checks it.

    python -m examples.design_pilot_power out/design [--tiny]
"""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax

from examples._util import parser, small_uplink, start, write_json


def objective(fraction, params, keys, budget_w):
    """Mean sum SE [bit/s/Hz] over the drops ``keys`` with pilot power f E and data power (1 - f) E."""
    import satjax.uplink as ul

    q = params.replace(pilot_power_w=fraction * budget_w, p_max_w=(1 - fraction) * budget_w)

    def one(key):
        s = ul.sample_uplink_scenario(key, q)
        return ul.sum_spectral_efficiency(ul.siso_problem(s.stats), s.p_max_w)

    return jnp.mean(jax.vmap(one)(keys))


def main(argv=None) -> dict:
    p = parser(__doc__)
    p.add_argument("--budget-w", type=float, default=0.4, help="energy budget E per symbol pair [W]")
    args = p.parse_args(argv)
    if not args.budget_w > 0:
        raise ValueError(f"--budget-w must be > 0 W, got {args.budget_w}")
    out = start(args)
    drops, steps, grid = (4, 25, 9) if args.tiny else (64, 100, 41)
    params = small_uplink(args.tiny)
    keys = jax.random.split(jax.random.key(0), drops)
    budget = jnp.asarray(args.budget_w, jnp.float32)

    value_and_grad = jax.jit(jax.value_and_grad(lambda z: objective(jax.nn.sigmoid(z), params, keys, budget)))
    tx = optax.adam(0.2)
    z = jnp.log(jnp.asarray(0.1 / 0.9))                         # start at f = 0.1: mostly data power
    state = tx.init(z)
    trace = []
    for _ in range(steps):
        value, g = value_and_grad(z)
        updates, state = tx.update(-g, state)                    # ascent
        z = optax.apply_updates(z, updates)
        trace.append((float(jax.nn.sigmoid(z)), float(value)))

    fractions = jnp.linspace(0.02, 0.98, grid)
    curve = jax.jit(jax.vmap(lambda f: objective(f, params, keys, budget)))(fractions)
    f_star = float(jax.nn.sigmoid(z))
    final_value, _ = value_and_grad(z)
    best = int(np.argmax(curve))
    result = {"budget_w": args.budget_w, "drops": drops, "steps": steps,
              "gradient_fraction": f_star, "gradient_objective": float(final_value),
              "grid_fraction": float(fractions[best]), "grid_objective": float(curve[best]),
              "objective_at_start": trace[0][1]}
    write_json(out, "design.json", result)
    _plot(out, np.asarray(fractions), np.asarray(curve), trace, result)
    return result


def _plot(out, fractions, curve, trace, r):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.plot(fractions, curve, label="grid (one vmapped program)")
    ax.plot([t[0] for t in trace], [t[1] for t in trace], ".", ms=4, label="gradient ascent iterates")
    ax.axvline(r["gradient_fraction"], ls="--", c="k", lw=0.8)
    ax.set(xlabel="pilot fraction f of the budget", ylabel="mean sum SE [bit/s/Hz]")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "design.png", dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main(sys.argv[1:])
