"""The finite-difference oracle the gradient tests compare ``jax.grad`` against."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def central_difference(f: Callable[[Any], Any], x: Any, h: Any) -> Any:
    """``(f(x + h) - f(x - h)) / (2 h)``: the derivative of ``f`` at ``x`` to ``O(h^2)``
    (elementwise where ``f`` is elementwise in ``x``). A directional derivative of ``g`` at ``w``
    along ``d`` is ``central_difference(lambda t: g(w + t * d), 0.0, h)``."""
    return (f(x + h) - f(x - h)) / (2 * h)


def backward_difference(f: Callable[[Any], Any], x: Any, h: Any) -> Any:
    """``(3 f(x) - 4 f(x - h) + f(x - 2h)) / (2 h)``: the derivative from below at ``x`` to
    ``O(h^2)``, for a function defined only up to ``x`` (a parameter at the top of its range);
    with ``h < 0`` the derivative from above (a function defined only from ``x`` on)."""
    return (3 * f(x) - 4 * f(x - h) + f(x - 2 * h)) / (2 * h)
