r"""Batches of iterative solvers without the slowest-scenario penalty.

Under ``jax.vmap`` a ``lax.while_loop`` (``satjax.optim.Solve``) cannot stop lane by lane: JAX
turns it into one loop that runs while *any* scenario is still iterating and freezes the
finished ones with a select. Every scenario of the batch then pays the iteration count of the
slowest one — and a solver with a loop inside a loop (Dinkelbach around WMMSE, the BCD
algorithms of system C) pays the slowest inner count at every outer step. On the CPU a batched
step costs about as much per scenario as a single one, so a batch of 64 cost 1.5-8x the
one-at-a-time CPU time per scenario (docs/performance.md, "Batched solvers").

``solve_batch(fn, *batch)`` runs a per-scenario function over a leading batch axis as
``lax.map`` over chunks of ``batch_size`` scenarios: each chunk is one ``vmap`` (it runs until
*its* slowest scenario stops), the chunks run one after another inside the same compiled program.
``batch_size=1`` solves one scenario at a time: each stops at its own count and the results are
those of ``jax.jit(fn)`` on that scenario alone. ``strategy="vmap"`` keeps the plain ``vmap``
(one chunk of the whole batch). Policies that run such a loop declare it (``iterative = True``,
read by ``is_iterative``; ``batch_strategy`` picks the strategy), so batch drivers that take any policy — the trainer's ``Evaluator`` —
map those and ``vmap`` the rest.

The default (``default_batch_size``) is 1 on the CPU backend: of the chunk sizes measured there
(1, 4, 8, 16) the only one within 1.5x the one-at-a-time time for every solver (Algorithm 1,
Dinkelbach-WMMSE, Algorithms 3 and 6; chunks of 4-8 were up to a third faster for three of them
but 1.5x for Dinkelbach-WMMSE), and the only one that is bitwise the one-at-a-time result. On
other backends — not measured — it is the plain ``vmap`` as before, whose parallel lanes an
accelerator runs at once. Everything here is pure JAX: ``solve_batch`` works under ``jit`` (and ``vmap``: an
outer ``vmap`` batches the chunks' loops again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import jax
import numpy as np

from satjax._checks import check_choice, check_int_range

__all__ = ["STRATEGIES", "batch_strategy", "default_batch_size", "is_iterative", "solve_batch"]

#: How ``solve_batch`` runs a batch: ``"map"`` (chunks of ``batch_size`` one after another) or
#: ``"vmap"`` (one ``vmap`` of the whole batch; every scenario pays the slowest one's iterations).
STRATEGIES = ("map", "vmap")


def default_batch_size() -> int | None:
    """Scenarios per vectorized chunk when ``solve_batch`` is not told: 1 on the CPU backend
    (measured, docs/performance.md), ``None`` (the whole batch in one ``vmap``) elsewhere."""
    return 1 if jax.default_backend() == "cpu" else None


def is_iterative(policy: Any) -> bool:
    """True for a policy that runs a ``Solve``-mode loop and says so with the class attribute
    ``iterative = True`` (Algorithm 1, (Dinkelbach-)WMMSE, Algorithms 3 and 6): batch it with
    ``solve_batch``'s ``"map"`` strategy; anything else (closed forms, learned models) batches best
    as one plain ``vmap``."""
    return getattr(policy, "iterative", False) is True


def batch_strategy(*policies: Any) -> str:
    """The ``solve_batch`` strategy for a batch that runs ``policies``: ``"map"`` if any of them is
    iterative (``is_iterative``), else ``"vmap"``."""
    return "map" if any(is_iterative(p) for p in policies) else "vmap"


def _batch_length(args: tuple) -> int:
    leaves = [x for x in jax.tree.leaves(args) if x is not None]
    if not leaves:
        raise ValueError("solve_batch needs at least one array argument with a leading batch axis, got none")
    sizes = {np.shape(x)[0] if np.ndim(x) else None for x in leaves}
    if None in sizes:
        raise ValueError("every array of the batch arguments must have a leading batch axis; got a scalar leaf")
    if len(sizes) != 1:
        raise ValueError(f"every array of the batch arguments must have the same leading (batch) size, got {sorted(sizes)}")
    return sizes.pop()


def solve_batch(fn: Callable[..., Any] | Any, *batch: Any, batch_size: int | None | Literal["default"] | Any = "default",
                strategy: str | Any = "map") -> Any:
    """``fn`` on every scenario of a batch: ``jax.vmap(fn)(*batch)`` in value, without making every
    scenario pay the slowest one's iteration count.

    Args:
        fn: the per-scenario function (a solver in ``satjax.optim.Solve`` mode, or anything
            ``vmap``-able), ``fn(*scenario_args) -> pytree``.
        *batch: pytrees whose array leaves all have the same leading (batch) size ``B``; entry
            ``i`` of every leaf is scenario ``i``'s argument.
        batch_size: scenarios per vectorized chunk with ``strategy="map"``: an int >= 1 (the last
            chunk may be shorter; ``B`` need not be a multiple), ``None`` for the whole batch at
            once, or ``"default"`` for ``default_batch_size()``.
        strategy: ``"map"`` (``lax.map`` over chunks of ``batch_size``) or ``"vmap"`` (the plain
            ``vmap``; ``batch_size`` must then be left at its default).

    Returns:
        ``fn``'s outputs stacked along a new leading axis of size ``B``.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> from satjax import uplink as ul
        >>> from satjax.optim import solve_batch
        >>> params = ul.UplinkParams(num_aps=8, num_users=4, tau_p=2, n_v=2, n_h=2)
        >>> scenarios = ul.sample_uplink_scenarios(jax.random.key(0), params, 8)
        >>> def powers(s):
        ...     return ul.algorithm1(ul.siso_problem(s.stats), jnp.full(4, params.p_max_w)).rho
        >>> rho = solve_batch(powers, scenarios)                    # each drop stops at its own iteration
        >>> rho.shape
        (8, 4)
        >>> first = jax.tree.map(lambda leaf: leaf[0], scenarios)
        >>> bool(jnp.allclose(rho[0], powers(first)))              # drop 0 as if solved alone
        True
    """
    if not callable(fn):
        raise ValueError(f"fn must be callable (a per-scenario function), got {fn!r}")
    check_choice("strategy", strategy, STRATEGIES)
    if strategy == "vmap" and batch_size != "default":
        raise ValueError(f"batch_size applies to strategy='map' only; got batch_size={batch_size!r} with strategy='vmap'")
    if isinstance(batch_size, str) and batch_size == "default":
        batch_size = default_batch_size()
    elif batch_size is not None:
        check_int_range("batch_size", batch_size, 1)
    num = _batch_length(batch)
    if batch_size == 1 and strategy == "map":         # no size-1 vmap around the loop: fn's own program
        return jax.lax.map(lambda args: fn(*args), batch)
    if strategy == "vmap" or batch_size is None or batch_size >= num:
        return jax.vmap(fn)(*batch)
    return jax.lax.map(lambda args: fn(*args), batch, batch_size=batch_size)
