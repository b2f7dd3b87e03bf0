r"""Scenario parameters: static sizes and modes, array-valued physics.

A system's ``*Params`` class (``satjax.uplink.UplinkParams``,
``satjax.downlink.DownlinkParams``, ...) is an Equinox module with two kinds of fields:

* **sizes and modes** (numbers of users, antennas, pilots; conventions) — static Python values:
  they set array shapes and program structure, so each distinct value compiles once;
* **physical quantities** (powers, frequencies, gains, heights, spreads, ...) — array leaves
  (float32, or float64 with x64 on; NumPy arrays when built from Python numbers, JAX arrays or
  tracers when built from those), converted at construction. A new value does not recompile, a sweep is
  one ``vmap``, and ``jax.grad`` reaches every one of them.

Every field carries its unit and allowed range in its metadata; ``Params`` validates concrete
values at construction (``ValueError`` naming the field and the range) and skips value checks on
traced values, so parameters can be built inside ``jit``/``vmap``/``grad``.

Examples:

    A 64-point sweep of the budget, one compiled program for any values:

    >>> import jax, jax.numpy as jnp
    >>> from satjax.params import sweep
    >>> from satjax.uplink import UplinkParams, closed_form_sinr, sample_uplink_scenario
    >>> params = UplinkParams(num_aps=8, num_users=4, tau_p=2, n_v=2, n_h=2)
    >>> def sum_se(p):                              # bit/s/Hz of one drop at full power
    ...     stats = sample_uplink_scenario(jax.random.key(0), p).stats
    ...     return jnp.sum(jnp.log2(1 + closed_form_sinr(stats, jnp.full(4, p.p_max_w))))
    >>> run = jax.jit(lambda budgets: sweep(sum_se, params, p_max_w=budgets))
    >>> run(jnp.linspace(0.01, 1.0, 64)).shape
    (64,)
    >>> run(jnp.geomspace(0.01, 1.0, 64)).shape     # new values, the same compiled program
    (64,)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from satjax._checks import is_concrete

__all__ = ["Params", "physical", "size", "mode", "sweep", "resolve_dtype", "sample_batch"]


def _default_float():
    return np.float64 if jax.config.read("jax_enable_x64") else np.float32


def _to_array(x):
    """Convert a physical value to a real floating array — a NumPy array for concrete values (so
    building parameters never starts a JAX backend), a JAX array or tracer kept as is. Anything
    that does not convert is kept, for ``Params.__check_init__`` to reject with the field's
    name."""
    if isinstance(x, jax.Array):                        # also tracers
        return x.astype(jnp.result_type(float)) if jnp.issubdtype(x.dtype, jnp.integer) else x
    if isinstance(x, (bool, np.bool_)) or isinstance(x, str):
        return x
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError):
        return x
    if arr.dtype.kind in "iu" or arr.dtype == np.float64:       # Python numbers arrive as int64/float64
        return arr.astype(_default_float())
    return arr if arr.dtype.kind == "f" else x                  # float32 kept; float16 rejected by name


def physical(default, *, unit: str = "", lo: float | int | None = None, hi: float | int | None = None,
             lo_open: bool = False, hi_open: bool = False, shape: tuple[int, ...] = (), doc: str = ""):
    """A physical-quantity field: an array leaf with a unit and an allowed range ``[lo, hi]``
    (``lo_open``/``hi_open`` exclude the ends). ``shape`` is the shape of one value."""
    meta = {"kind": "physical", "unit": unit, "lo": lo, "hi": hi, "lo_open": lo_open, "hi_open": hi_open,
            "shape": shape, "doc": doc}
    return eqx.field(default=default, converter=_to_array, metadata=meta)


def size(default: int, *, lo: int = 1, doc: str = ""):
    """A static integer that sets shapes (numbers of users, antennas, pilots, ...), ``>= lo``."""
    return eqx.field(default=default, static=True, metadata={"kind": "size", "lo": lo, "doc": doc})


def mode(default: str, choices: tuple[str, ...] | dict, *, doc: str = ""):
    """A static choice among ``choices`` (a convention, an environment)."""
    return eqx.field(default=default, static=True, metadata={"kind": "mode", "choices": tuple(choices), "doc": doc})


def _range_text(m) -> str:
    lo, hi = m["lo"], m["hi"]
    if lo is not None and hi is not None:
        return f"in {'(' if m['lo_open'] else '['}{lo:g}, {hi:g}{')' if m['hi_open'] else ']'}"
    if lo is not None:
        return f"{'>' if m['lo_open'] else '>='} {lo:g}"
    if hi is not None:
        return f"{'<' if m['hi_open'] else '<='} {hi:g}"
    return "finite"


class Params(eqx.Module):
    """Base of every ``*Params`` class: validation from field metadata, ``replace``, field lists.

    Subclasses declare their fields with ``physical``, ``size`` and ``mode``, and may
    add cross-field checks in their own ``__check_init__`` (Equinox runs every class's).
    """

    def __check_init__(self):
        for f in dataclasses.fields(self):
            kind = f.metadata.get("kind")
            value = getattr(self, f.name)
            if kind == "size":
                ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
                if not ok or value < f.metadata["lo"]:
                    raise ValueError(f"{f.name} must be an integer >= {f.metadata['lo']}, got {value!r}")
            elif kind == "mode":
                if value not in f.metadata["choices"]:
                    raise ValueError(f"{f.name} must be one of {f.metadata['choices']}, got {value!r}")
            elif kind == "physical":
                _check_physical(f.name, value, f.metadata)

    def replace(self, **changes: Any):
        """A copy with the given fields changed (validated like a new instance; works on traced
        values, e.g. inside ``sweep``)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ValueError(f"{type(self).__name__} has no field(s) {sorted(unknown)}; "
                             f"fields: {[f.name for f in dataclasses.fields(self)]}")
        return dataclasses.replace(self, **changes)

    @classmethod
    def physical_fields(cls) -> tuple[str, ...]:
        """Names of the array-valued physical fields (those a sweep or a gradient can vary)."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("kind") == "physical")

    @classmethod
    def static_fields(cls) -> tuple[str, ...]:
        """Names of the static sizes and modes."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("kind") in ("size", "mode"))

    @property
    def dtype(self) -> np.dtype:
        """The real dtype of the physical fields (their common result type): float32, or float64
        for parameters built with x64 on (or from float64 arrays)."""
        return np.dtype(jnp.result_type(*(getattr(self, n) for n in self.physical_fields())))

    def astype(self, dtype):
        """Every physical field cast to the real dtype ``dtype``."""
        names = self.physical_fields()
        return eqx.tree_at(lambda p: [getattr(p, n) for n in names], self,
                           [jnp.asarray(getattr(self, n), dtype) for n in names])


def _check_physical(name: str, value, meta) -> None:
    unit = f" {meta['unit']}" if meta["unit"] else ""
    if not isinstance(value, (jax.Array, np.ndarray)):
        raise ValueError(f"{name} must be a real number{unit} ({_range_text(meta)}), got {value!r}")
    if not jnp.issubdtype(value.dtype, jnp.floating):
        raise ValueError(f"{name} must be real ({_range_text(meta)}{unit}), got dtype {value.dtype}")
    if value.dtype == jnp.float16 or value.dtype == jnp.bfloat16:
        raise ValueError(f"{name} must be float32 or float64 ({value.dtype} cannot hold satjax's power range)")
    if tuple(value.shape) != tuple(meta["shape"]):
        what = "a scalar" if not meta["shape"] else f"shape {meta['shape']}"
        raise ValueError(f"{name} must be {what}{unit}, got shape {tuple(value.shape)}; to evaluate many values "
                         f"use satjax.sweep (one vmapped program)")
    if not is_concrete(value):
        return
    v = np.asarray(value, np.float64)
    bad = ~np.isfinite(v)
    lo, hi = meta["lo"], meta["hi"]
    if lo is not None:
        bad |= (v <= lo) if meta["lo_open"] else (v < lo)
    if hi is not None:
        bad |= (v >= hi) if meta["hi_open"] else (v > hi)
    if np.any(bad):
        shown = v if v.ndim == 0 else v.tolist()
        raise ValueError(f"{name} must be {_range_text(meta)}{unit}, got {shown}")


def resolve_dtype(params: Params, dtype=None, *, params_class: type | None = None) -> np.dtype:
    """The real dtype a sampler works in: ``params.dtype`` unless ``dtype`` says otherwise.

    Raises:
        ValueError: ``params`` is not a ``params_class`` (when given), ``dtype`` is not float32 or
            float64 (float16 cannot hold satjax's power range), or float64 is asked for with x64
            off (JAX would silently give float32).
    """
    if params_class is not None and not isinstance(params, params_class):
        raise ValueError(f"params must be a {params_class.__name__}, got {type(params).__name__}")
    if dtype is None:
        return params.dtype
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}") from err
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64 (float16 cannot hold satjax's power range), got {dt}")
    if dt == np.float64 and not jax.config.read("jax_enable_x64"):
        raise ValueError("dtype float64 needs x64: enable it first (jax.config.update('jax_enable_x64', True) or "
                         "`with jax.enable_x64(True):`), else JAX computes in float32")
    return dt


def sample_batch(sample: Callable, key, params: Params, num: int, start: int = 0, dtype=None) -> Any:
    """``num`` drops of a sampler ``sample(key, params, dtype)`` as one ``vmap``: drop ``i`` uses
    ``fold_in(key, start + i)``, so any batching of the same indices gives the same drops (and a
    chunked sweep the same numbers whatever its chunk size). Every leaf gains a leading axis
    ``num``."""
    from satjax._checks import check_int_range

    check_int_range("num", num, 1)
    check_int_range("start", start, 0)
    dtype = resolve_dtype(params, dtype)
    return jax.vmap(lambda i: sample(jax.random.fold_in(key, i), params, dtype))(start + jnp.arange(num))


def sweep(fn: Callable, params: Params, /, **values) -> Any:
    """``fn(params.replace(name=value, ...))`` for every value, as one ``vmap``-ped call.

    Args:
        fn: any function of a parameter object (e.g. sample a drop and compute a metric); pure.
        params: the base parameters.
        **values: physical fields to vary, each a 1-D array of the same length ``S``.

    Returns:
        ``fn``'s output with a leading axis ``S``. The sweep is one compiled program whether or
        not the caller wraps it in ``jax.jit``: the values are traced, so new values of the same
        shape never recompile (the program is cached per ``fn`` object, as ``jax.jit`` caches
        per function: pass the same function, not a new ``lambda`` each call).
    """
    if not values:
        raise ValueError("sweep needs at least one field=values pair")
    if not callable(fn):
        raise ValueError(f"fn must be a function of the parameters, got {fn!r}")
    if not isinstance(params, Params):
        raise ValueError(f"params must be a satjax Params object (e.g. satjax.uplink.UplinkParams), got "
                         f"{type(params).__name__}")
    fields = params.physical_fields()
    for name in values:
        if name not in fields:
            raise ValueError(f"{name!r} is not a physical field of {type(params).__name__}; sweepable fields: {fields}")
    arrays = [jnp.asarray(v) for v in values.values()]
    lengths = {a.shape[0] if a.ndim else None for a in arrays}
    if None in lengths or len(lengths) != 1:
        raise ValueError(f"sweep values must be arrays with one common leading length, got shapes "
                         f"{[a.shape for a in arrays]}")
    return _sweep_program(fn, params, tuple(values), arrays)


@eqx.filter_jit
def _sweep_program(fn: Callable, params: Params, names: tuple[str, ...], arrays: list) -> Any:
    """The compiled sweep: ``fn`` and ``names`` static, ``params`` and ``arrays`` traced."""

    def one(*vals):
        return fn(params.replace(**dict(zip(names, vals))))

    return jax.vmap(one)(*arrays)
