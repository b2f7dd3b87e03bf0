"""A sweep over a physical parameter in one compiled call: mean sum spectral efficiency against the
users' power budget P_max, for the three links (space + ground, ground only, space only).

``satjax.sweep(fn, params, p_max_w=values)`` is one ``vmap`` over the parameter; inside
``jax.jit`` the whole curve (every P_max, every drop, every link) is one XLA program, and new
values reuse it without recompiling.

    python -m examples.sweep_pmax out/sweep [--tiny]
"""

from __future__ import annotations

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

from examples._util import parser, small_uplink, start, write_json


def mean_sum_se(params, keys, link: str):
    """Mean over drops of the sum SE [bit/s/Hz] at full power, Theorem 1's closed form."""
    import satjax.uplink as ul

    def one(key):
        s = ul.sample_uplink_scenario(key, params)
        return ul.sum_spectral_efficiency(ul.siso_problem(s.stats, link), s.p_max_w)

    return jnp.mean(jax.vmap(one)(keys))


def main(argv=None) -> dict:
    p = parser(__doc__)
    p.add_argument("--points", type=int, default=None, help="number of P_max values (default 32; 4 with --tiny)")
    args = p.parse_args(argv)
    out = start(args)
    import satjax
    from satjax.uplink import LINKS

    points = args.points or (4 if args.tiny else 32)
    if points < 2:
        raise ValueError(f"--points must be >= 2, got {points}")
    drops = 4 if args.tiny else 64
    params = small_uplink(args.tiny)
    keys = jax.random.split(jax.random.key(0), drops)           # the same drops at every P_max
    p_max = jnp.geomspace(1e-3, 1.0, points)

    @jax.jit
    def curves(values):
        return {link: satjax.sweep(lambda q, link=link: mean_sum_se(q, keys, link), params, p_max_w=values)
                for link in LINKS}

    t0 = time.perf_counter()
    first = jax.block_until_ready(curves(p_max))
    t1 = time.perf_counter()
    jax.block_until_ready(curves(p_max * 0.5))                  # new values: the same program
    t2 = time.perf_counter()
    table = {link: np.asarray(v).tolist() for link, v in first.items()}
    result = {"p_max_w": np.asarray(p_max).tolist(), "mean_sum_se": table, "drops": drops,
              "first_call_s": t1 - t0, "second_call_s": t2 - t1,
              "compiles": curves._cache_size()}
    write_json(out, "sweep.json", result)
    _plot(out, result)
    return result


def _plot(out, r):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.4))
    for link, v in r["mean_sum_se"].items():
        ax.semilogx(r["p_max_w"], v, marker=".", label=link.replace("_", " + ") if link == "space_ground" else link)
    ax.set(xlabel="P_max [W]", ylabel="mean sum SE [bit/s/Hz]", title=f"full power, {r['drops']} drops")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "sweep.png", dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main(sys.argv[1:])
