"""Drivers shared by every iterative algorithm: one step function, two ways to run it, chosen by
a *mode* argument (the Diffrax way: ``diffeqsolve(..., adjoint=...)``).

* ``Solve`` / ``solve`` — ``lax.while_loop`` until the tracked objective stops changing
  (relative tolerance) or ``max_iters`` steps; forward only. Under ``vmap`` each scenario's
  result is that of its own iteration count (JAX batches the loop and freezes the state of
  finished scenarios), but the batched loop runs until the slowest scenario stops and every
  scenario pays for those steps; ``satjax.optim.solve_batch`` runs a batch without that cost.
* ``Unroll`` / ``unroll`` — ``lax.scan`` over a fixed number of steps;
  reverse-differentiable (deep unfolding), optionally rematerialized with ``jax.checkpoint``.

Algorithms take ``mode=Solve(...)`` or ``mode=Unroll(...)`` and call ``iterate``; both
return an ``IterationTrace``, and they agree once the unrolled depth reaches the solve
mode's iteration count. The mode owns the loop (``Mode.run``) and says what an algorithm needs
to know about it (``max_steps``, ``differentiable``), so algorithms never branch on its class and
a new way to run them (say, a fixed-point mode with implicit differentiation) is a new subclass
of ``Mode``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import ClassVar, TypeVar

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax._checks import check_int_range
from satjax._types import Array, ArrayLike, Bool, Float, Int

__all__ = ["IterationTrace", "Mode", "Solve", "Unroll", "check_mode", "iterate", "solve", "unroll"]

S = TypeVar("S")


class IterationTrace(eqx.Module):
    """Objective along the iterations of an algorithm.

    Attributes:
        objective: ``[T + 1]`` objective at the initial point (entry 0) and after each step.
            In solve mode, entries after the stopping iteration repeat the final value, so
            traces of different scenarios can be averaged entry by entry.
        num_iters: ``[]`` int, steps taken.
        converged: ``[]`` bool, the stopping rule held (always True in unrolled mode, where
            the depth is the user's choice).
    """

    objective: Float[ArrayLike, " T1"]
    num_iters: Int[ArrayLike, ""]
    converged: Bool[ArrayLike, ""]


def unroll(step: Callable[[S], S], init: S, metric: Callable[[S], Array], num_iters: int, *,
           checkpoint: bool = False) -> tuple[S, IterationTrace]:
    """Apply ``step`` exactly ``num_iters`` times with ``lax.scan`` (differentiable).

    Args:
        step: one iteration, ``state -> state``.
        init: initial state (any PyTree).
        metric: scalar objective of a state, recorded in the trace.
        num_iters: number of steps (static, >= 0).
        checkpoint: rematerialize each step in the backward pass (memory O(1) in the depth).

    Returns:
        The final state and the ``IterationTrace`` of length ``num_iters + 1``.
    """
    body_step = jax.checkpoint(step) if checkpoint else step

    def body(state, _):
        state = body_step(state)
        return state, metric(state)

    final, values = jax.lax.scan(body, init, length=num_iters)
    objective = jnp.concatenate([metric(init)[None], values])
    return final, IterationTrace(objective, jnp.asarray(num_iters, jnp.int32), jnp.asarray(True))


def solve(step: Callable[[S], S], init: S, metric: Callable[[S], Array], *, tol: float,
          max_iters: int) -> tuple[S, IterationTrace]:
    r"""Apply ``step`` until $|f_n - f_{n-1}| \le \mathrm{tol}\,|f_{n-1}|$ or ``max_iters``.

    The relative form of a stopping rule like paper A's eq. (43); scale-free, so the same
    tolerance works in any unit. Forward only (use ``unroll`` to differentiate).

    Returns:
        The final state and the ``IterationTrace`` (length ``max_iters + 1``).
    """
    f0 = metric(init)
    trace0 = jnp.zeros((max_iters + 1,), f0.dtype).at[0].set(f0)

    def cond(carry):
        i, _, prev, cur, _ = carry
        changing = jnp.abs(cur - prev) > tol * jnp.abs(prev)
        return (i < max_iters) & ((i == 0) | changing)

    def body(carry):
        i, state, _, cur, trace = carry
        state = step(state)
        new = metric(state)
        return i + 1, state, cur, new, trace.at[i + 1].set(new)

    i, state, prev, cur, trace = jax.lax.while_loop(cond, body, (jnp.asarray(0, jnp.int32), init, f0, f0, trace0))
    converged = jnp.abs(cur - prev) <= tol * jnp.abs(prev)
    trace = jnp.where(jnp.arange(max_iters + 1) > i, cur, trace)          # tail repeats the final value
    return state, IterationTrace(trace, i, converged)


class Mode(eqx.Module):
    """How an iterative algorithm runs its step function: the base of ``Solve`` and ``Unroll``.

    A subclass implements ``run`` (the loop: ``step``, ``init`` and ``metric`` as in ``solve``
    and ``unroll``, returning the final state and an ``IterationTrace`` of length
    ``max_steps + 1``), ``max_steps`` and the class attribute ``differentiable`` (whether ``run``
    can be reverse-differentiated; algorithms then use their differentiable inner pieces).
    """

    #: Whether ``run`` can be reverse-differentiated (a subclass that does not say is refused
    #: when it is built).
    differentiable: eqx.AbstractClassVar[bool]
    @property
    @abc.abstractmethod
    def max_steps(self) -> int:
        """The most steps ``run`` takes (the trace's length is this + 1); a property."""

    @abc.abstractmethod
    def run(self, step: Callable[[S], S], init: S, metric: Callable[[S], Array]) -> tuple[S, IterationTrace]:
        """Run ``step`` from ``init``; ``metric`` is the scalar objective recorded in the trace."""


class Solve(Mode):
    """Solve mode: iterate until the relative change of the objective is at most ``tol`` or
    ``max_iters`` steps (``lax.while_loop``; forward only; batch it with
    ``satjax.optim.solve_batch``: under a plain ``vmap`` the loop runs until the slowest scenario
    of the batch stops)."""

    tol: float = eqx.field(static=True, default=1e-6)
    max_iters: int = eqx.field(static=True, default=1000)
    differentiable: ClassVar[bool] = False

    def __check_init__(self):
        if isinstance(self.tol, bool) or not isinstance(self.tol, (int, float)) or not 0 < self.tol < float("inf"):
            raise ValueError(f"tol must be a finite number > 0, got {self.tol!r}")
        check_int_range("max_iters", self.max_iters, 1)

    @property
    def max_steps(self) -> int:
        return self.max_iters

    def run(self, step: Callable[[S], S], init: S, metric: Callable[[S], Array]) -> tuple[S, IterationTrace]:
        return solve(step, init, metric, tol=self.tol, max_iters=self.max_iters)


class Unroll(Mode):
    """Unrolled mode: exactly ``num_iters`` steps (``lax.scan``; reverse-differentiable, with
    ``checkpoint=True`` rematerialized so memory stays O(1) in the depth)."""

    num_iters: int = eqx.field(static=True)
    checkpoint: bool = eqx.field(static=True, default=False)
    differentiable: ClassVar[bool] = True

    def __check_init__(self):
        check_int_range("num_iters", self.num_iters, 0)
        if not isinstance(self.checkpoint, bool):
            raise ValueError(f"checkpoint must be a bool, got {self.checkpoint!r}")

    @property
    def max_steps(self) -> int:
        return self.num_iters

    def run(self, step: Callable[[S], S], init: S, metric: Callable[[S], Array]) -> tuple[S, IterationTrace]:
        return unroll(step, init, metric, self.num_iters, checkpoint=self.checkpoint)


def check_mode(mode, name: str = "mode") -> None:
    """Raise unless ``mode`` is a ``Mode`` (``Solve``, ``Unroll`` or a user's subclass), at an
    algorithm's boundary, before anything is traced."""
    if not isinstance(mode, Mode):
        raise ValueError(f"{name} must be satjax.optim.Solve(...) or satjax.optim.Unroll(...) (a satjax.optim.Mode), "
                         f"got {mode!r}")


def iterate(step: Callable[[S], S], init: S, metric: Callable[[S], Array], mode: Mode) -> tuple[S, IterationTrace]:
    """Run ``step`` from ``init`` in the given mode: ``mode.run(step, init, metric)``."""
    check_mode(mode)
    return mode.run(step, init, metric)
