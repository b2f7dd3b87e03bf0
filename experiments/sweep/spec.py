"""The sweep spec (a Hydra structured config) and its plan: points, dimensions, chunks, hash.

Every check a spec needs runs here, in the driver, before any job starts (``ValueError`` naming
the key): the system is registered; every parameter is a field of its ``Params`` class; every
value, alone and at every point, passes that class's own validation; grids are non-empty and
zipped lists of equal length; policies and metrics are the system's; the sizes of the run are
positive. :func:`plan` turns a valid spec into a :class:`Plan`.

Point order and chunks. The point dimensions are the ``grid`` keys in spec order, then ``point``
(the index of the zipped lists) when ``zip`` is given. Point ``i`` is the C-order flat index over
these dimensions; its key is ``fold_in(PRNGKey(seed), i)``. A chunk is a hyperrectangle of
points (at most ``chunk_size``) and one Zarr chunk of every variable: static parameters (sizes,
modes) vary across chunks only (a chunk has one static shape), so along a dimension that holds a
static parameter a chunk is one value wide; the other dimensions fill the chunk from the last
one.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Optional

import numpy as np
from hydra.core.config_store import ConfigStore

from satjax.systems import System, get_system

EXECUTORS = ("debug", "local", "slurm")
#: Name of the dimension of the zipped lists.
ZIP_DIM = "point"
#: Name of the dimension of the drops of a point.
DROP_DIM = "drop"
#: Spec keys that decide the numbers or the store's layout (hashed; a store made with other values
#: is refused). The executor, the store path and the progress display do not change a number.
RESULT_KEYS = ("system", "params", "grid", "zip", "drops", "policies", "policy_settings", "metrics", "chunk_size",
               "batch_size", "seed", "same_drops", "x64")


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ValueError(message)


@dataclass
class ExecutorConfig:
    """Where the chunks run (submitit).

    ``debug``: in the driver's process, one chunk after the other (pdb works). ``local``:
    ``workers`` processes on this machine, each taking the next unclaimed chunk;
    ``gpus_per_worker`` CUDA devices each (worker ``w`` sees devices ``w*g .. w*g+g-1``).
    ``slurm``: one job-array task per chunk, or per ``chunks_per_task`` consecutive chunks (the
    task then compiles each program once for all of them), at most ``slurm_array_parallelism``
    at once, ``gpus_per_task`` GPUs each, on ``partition`` (and ``account``, ``qos``,
    ``constraint`` when set). ``timeout_min`` is the wall-clock limit of one job: a SLURM task
    (its chunks) or a local worker (all the chunks it takes); a job stopped by it leaves its
    unfinished chunks unmarked for the next run. ``wait``: follow the jobs until every chunk is
    done (default); ``false`` (``slurm`` only) submits and returns, and a later run of the same
    spec follows the tasks still queued or running instead of submitting their chunks again.

    ``cpus_per_worker`` (``local`` CPU workers, Linux): worker ``w`` is pinned to its own
    ``cpus_per_worker`` cores of those the driver may use (default 0: an equal share,
    ``cores // workers``, at least one); ``-1`` leaves the workers unpinned. XLA:CPU spreads one
    program over every core a process may use, so unpinned workers fight over all the cores
    (docs/performance.md, "Sweep scaling").
    """

    kind: str = "local"
    workers: int = 1
    gpus_per_worker: int = 0
    timeout_min: int = 60
    partition: Optional[str] = None
    account: Optional[str] = None
    qos: Optional[str] = None
    constraint: Optional[str] = None
    slurm_array_parallelism: int = 32
    chunks_per_task: int = 1
    gpus_per_task: int = 1
    cpus_per_task: int = 4
    mem_gb: int = 16
    cpus_per_worker: int = 0
    wait: bool = True             # false (slurm only): submit and return (the jobs fill the store; rerun to follow)
    poll_s: float = 1.0

    def __post_init__(self):
        _check(self.kind in EXECUTORS, f"executor.kind must be one of {EXECUTORS}, got {self.kind!r}")
        for name, lo in (("workers", 1), ("gpus_per_worker", 0), ("timeout_min", 1), ("slurm_array_parallelism", 1),
                         ("chunks_per_task", 1), ("gpus_per_task", 0), ("cpus_per_task", 1), ("mem_gb", 1),
                         ("cpus_per_worker", -1)):
            _check(getattr(self, name) >= lo, f"executor.{name} must be an integer >= {lo}, got {getattr(self, name)}")
        _check(math.isfinite(self.poll_s) and self.poll_s > 0, f"executor.poll_s must be > 0 s, got {self.poll_s}")
        _check(self.wait or self.kind == "slurm", f"executor.wait=false needs executor.kind=slurm: {self.kind} jobs run "
               "in this process or end with it (submitit cancels local workers when the driver exits)")


@dataclass
class SweepConfig:
    """A sweep: ``python -m experiments.sweep sweep=NAME [overrides]`` (docs/sweeps.md).

    Attributes:
        system: a ``satjax.systems`` registry name (``uplink``, ``downlink``, ``uav``).
        params: fixed values of the system's ``Params`` fields (sizes, modes, physical values).
        grid: field -> list of values; the points are the product of the lists (one dimension
            per field).
        zip: field -> list of values, all lists of one length; the zipped lists add one
            dimension ``point`` (combined with ``grid`` as a product).
        drops: drops per point (dimension ``drop``).
        policies: names in the system's ``policies`` (default: its reference policy).
        policy_settings: policy -> settings passed to its class (``max_iters``, ``tol``, ...).
        metrics: keys of the system task's ``score`` (default: the headline ``system.metric``).
        chunk_size: points per chunk at most (one chunk = one job-array task = one region).
        batch_size: points per call of the compiled program (memory cap); every call has exactly
            this many points (the last one padded), so every point runs in one program whatever
            the chunking.
        seed: root key ``PRNGKey(seed)``; point ``i`` uses ``fold_in(root, i)``.
        same_drops: every point uses the root key itself (common random numbers: drop ``j`` has
            the same key at every point, so differences between points are not sampling noise).
        x64: compute in float64.
        store: path of the Zarr store.
        progress: show the tqdm bars.
        executor: where the chunks run.
    """

    system: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, Any] = field(default_factory=dict)
    zip: dict[str, Any] = field(default_factory=dict)
    drops: int = 16
    policies: list[str] = field(default_factory=list)
    policy_settings: dict[str, Any] = field(default_factory=dict)
    metrics: list[str] = field(default_factory=list)
    chunk_size: int = 64
    batch_size: int = 8
    seed: int = 0
    same_drops: bool = False
    x64: bool = False
    store: str = "sweep.zarr"
    progress: bool = True
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)

    def __post_init__(self):
        plan(self, check_metrics=False)


def to_plain(value):
    """OmegaConf containers, tuples and NumPy scalars as plain JSON values (lists, dicts)."""
    from omegaconf import DictConfig, ListConfig, OmegaConf

    if isinstance(value, (DictConfig, ListConfig)):
        value = OmegaConf.to_container(value, resolve=True)
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def spec_dict(spec: SweepConfig) -> dict:
    """The whole resolved spec as plain JSON values."""
    return to_plain(dataclasses.asdict(spec))


def result_dict(spec: SweepConfig) -> dict:
    """The part of the spec that decides the numbers and the store's layout (:data:`RESULT_KEYS`)."""
    full = spec_dict(spec)
    out = {k: full[k] for k in RESULT_KEYS}
    for key in ("grid", "zip"):                    # their order is the dimensions' order: kept under sort_keys
        out[key] = [[name, values] for name, values in out[key].items()]
    return out


def spec_hash(spec: SweepConfig) -> str:
    """SHA-256 of :func:`result_dict` as canonical JSON."""
    return hashlib.sha256(json.dumps(result_dict(spec), sort_keys=True).encode()).hexdigest()


def from_dict(data: dict, *, validate: bool = True) -> SweepConfig:
    """A spec from :func:`spec_dict`'s output, validated again unless ``validate`` is False (a
    worker reading the spec of its store, which the driver validated before creating it)."""
    data = dict(data)
    data["executor"] = ExecutorConfig(**data.get("executor", {}))
    if validate:
        return SweepConfig(**data)
    spec = object.__new__(SweepConfig)
    for f in dataclasses.fields(SweepConfig):
        setattr(spec, f.name, data[f.name])
    return spec


def first_difference(a, b, path: str = "") -> str | None:
    """The first key (dotted path) where two plain JSON values differ, ``None`` if equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}{key}"
            found = first_difference(a[key], b[key], f"{path}{key}.")
            if found is not None:
                return found
        return None
    return None if a == b else path.rstrip(".") or "spec"


def _field_kind(system: System, name: str) -> dict:
    return next(f.metadata for f in dataclasses.fields(system.params_class) if f.name == name)


def _values_list(key: str, values) -> list:
    _check(isinstance(values, (list, tuple)), f"{key} must be a list of values, got {values!r}")
    _check(len(values) > 0, f"{key} is empty: give at least one value")
    return list(values)


@dataclass(frozen=True)
class Plan:
    """A validated spec laid out: the system, the point dimensions with their values, the chunks.

    Attributes:
        spec: the spec.
        system: its ``satjax.systems.System``.
        dims: the point dimensions (``grid`` keys, then ``point`` for ``zip``).
        shape: their lengths.
        chunk_shape: a chunk's extent along each dimension.
        policies: the policy names; ``metrics``: the metric names.
    """

    spec: SweepConfig
    system: System
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    chunk_shape: tuple[int, ...]
    policies: tuple[str, ...]
    metrics: tuple[str, ...]

    @property
    def num_points(self) -> int:
        return math.prod(self.shape)

    @property
    def chunk_grid(self) -> tuple[int, ...]:
        """Chunks along each dimension."""
        return tuple(-(-n // c) for n, c in zip(self.shape, self.chunk_shape))

    @property
    def num_chunks(self) -> int:
        return math.prod(self.chunk_grid)

    @cached_property
    def statics(self) -> frozenset[str]:
        return frozenset(self.system.params_class.static_fields())

    def variables(self) -> list[tuple[str, str, str]]:
        """``(variable name, metric, policy)`` of every stored result: ``<metric>__<policy>``."""
        return [(f"{m}__{p}", m, p) for m in self.metrics for p in self.policies]

    def region(self, chunk: int) -> tuple[slice, ...]:
        """The slices of chunk ``chunk`` along the point dimensions."""
        idx = np.unravel_index(chunk, self.chunk_grid)
        return tuple(slice(i * c, min((i + 1) * c, n)) for i, c, n in zip(idx, self.chunk_shape, self.shape))

    def chunk_points(self, chunk: int) -> np.ndarray:
        """Flat indices of the chunk's points, C order over its region."""
        ranges = [np.arange(s.start, s.stop) for s in self.region(chunk)]
        mesh = np.meshgrid(*ranges, indexing="ij")
        return np.ravel_multi_index([m.ravel() for m in mesh], self.shape).astype(np.int64)

    def point_values(self, index: int) -> dict[str, Any]:
        """The swept values of point ``index`` (field -> value)."""
        multi = np.unravel_index(int(index), self.shape)
        values = {}
        for dim, i in zip(self.dims, multi):
            if dim == ZIP_DIM and self.spec.zip:
                values |= {k: v[i] for k, v in self.spec.zip.items()}
            else:
                values[dim] = self.spec.grid[dim][i]
        return values

    def params_of(self, values: dict[str, Any]):
        """The system's ``Params`` at the fixed values and ``values`` (validated)."""
        return self.system.params_class(**(_as_field_values(self.spec.params) | _as_field_values(values)))

    def static_key(self, chunk: int) -> tuple:
        """The static (size and mode) values of the chunk's points, as sorted pairs."""
        values = self.point_values(self.chunk_points(chunk)[0])
        return tuple(sorted((k, v) for k, v in values.items() if k in self.statics))

    def swept_physical(self) -> tuple[str, ...]:
        """The swept fields that are physical (traced in the compiled program)."""
        return tuple(k for k in (*self.spec.grid, *self.spec.zip) if k not in self.statics)

    def coordinates(self) -> dict[str, tuple]:
        """xarray coordinates: ``name -> (dims, values, attrs)`` with units from the ``Params``
        field metadata."""
        coords = {}
        for dim, key, vals in (*((k, k, v) for k, v in self.spec.grid.items()),
                               *((ZIP_DIM, k, v) for k, v in self.spec.zip.items())):
            meta = _field_kind(self.system, key)
            attrs = {"units": meta.get("unit", ""), "long_name": meta.get("doc", "") or key, "kind": meta["kind"]}
            values = np.asarray(to_plain(vals))
            if values.dtype.kind == "U":            # modes: variable-length strings (Zarr v3 has no fixed-width ones)
                values = values.astype(object)
            coords[key] = (dim, values, attrs)
        return coords


def _as_field_values(values: dict) -> dict:
    """Config values as ``Params`` arguments (lists of vector fields as tuples of floats)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def _chunk_shape(shape: tuple[int, ...], static_dims: list[bool], chunk_size: int) -> tuple[int, ...]:
    """Fill a chunk of at most ``chunk_size`` points from the last dimension; dimensions holding a
    static field are one value wide."""
    out, room = [1] * len(shape), chunk_size
    for d in reversed(range(len(shape))):
        if static_dims[d]:
            continue
        out[d] = min(shape[d], room)
        if out[d] < shape[d]:
            break
        room //= shape[d]
    return tuple(out)


def plan(spec: SweepConfig, *, check_metrics: bool = True, check_points: bool = True) -> Plan:
    """Validate ``spec`` and lay it out (``ValueError`` naming the key; see the module docstring).

    ``check_metrics``: also check the metrics against the keys the system's task scores (traces
    one policy's score with ``jax.eval_shape``; nothing is computed). ``check_points``: build the
    ``Params`` of every point (each distinct spec once per process); workers skip it, the
    driver has done it.
    """
    from satjax._checks import check_int_range

    _check(isinstance(spec.system, str) and spec.system != "",
           "system must name a registered system (give a spec: sweep=<name> of conf/sweep/, or system=...)")
    try:
        system = get_system(spec.system)
    except ValueError as err:
        raise ValueError(str(err)) from None
    cls = system.params_class
    fields = [f.name for f in dataclasses.fields(cls)]
    for section in ("params", "grid", "zip", "policy_settings"):
        _check(isinstance(getattr(spec, section), dict), f"{section} must be a mapping, got {getattr(spec, section)!r}")
    for section in ("params", "grid", "zip"):
        for key in getattr(spec, section):
            if key not in fields:
                import difflib

                close = difflib.get_close_matches(str(key), fields, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]}?" if close else f"; parameters: {fields}"
                raise ValueError(f"{section}.{key} is not a parameter of {cls.__name__} (system {system.name!r}){hint}")
    for section in ("grid", "zip"):
        vectors = [k for k in getattr(spec, section) if _field_kind(system, k).get("shape")]
        _check(not vectors, f"{section}.{vectors[0] if vectors else ''} is a vector field of {cls.__name__}: sweeps take "
                            "scalar fields (fix it in params)")
    for a, b in (("params", "grid"), ("params", "zip"), ("grid", "zip")):
        both = sorted(set(getattr(spec, a)) & set(getattr(spec, b)))
        _check(not both, f"{b}.{both[0] if both else ''} is also in {a}: a parameter is fixed, gridded or zipped, once")
    _check(bool(spec.grid) or bool(spec.zip), "grid and zip are both empty: sweep at least one parameter")
    grid = {k: _values_list(f"grid.{k}", v) for k, v in spec.grid.items()}
    zipped = {k: _values_list(f"zip.{k}", v) for k, v in spec.zip.items()}
    lengths = {k: len(v) for k, v in zipped.items()}
    _check(len(set(lengths.values())) <= 1, f"zip lists must have one length, got {lengths}")
    for key, name, lo in (("drops", "drops", 1), ("chunk_size", "chunk_size", 1), ("batch_size", "batch_size", 1),
                          ("seed", "seed", 0)):
        try:
            check_int_range(name, getattr(spec, key), lo)
        except ValueError as err:
            raise ValueError(str(err)) from None
    _check(spec.batch_size <= spec.chunk_size,
           f"batch_size must be <= chunk_size ({spec.chunk_size}), got {spec.batch_size}")
    _check(isinstance(spec.store, str) and spec.store != "", f"store must be a path, got {spec.store!r}")

    if check_points:
        _check_params(system.name, json.dumps(to_plain([spec.params, grid, zipped])))
    policies = tuple(spec.policies) or (system.reference,)
    unknown = [p for p in policies if p not in system.policies]
    _check(not unknown, f"policies: {unknown[0] if unknown else ''!r} is not a policy of system {system.name!r}; "
                        f"its policies: {sorted(system.policies)}")
    _check(len(set(policies)) == len(policies), f"policies must not repeat a name, got {list(policies)}")
    for name, settings in spec.policy_settings.items():
        _check(name in policies, f"policy_settings.{name}: {name!r} is not one of the sweep's policies {list(policies)}")
        try:
            system.policy(name, **to_plain(settings))
        except (TypeError, ValueError) as err:
            raise ValueError(f"policy_settings.{name}: {err}") from None
    metrics = tuple(spec.metrics) or (system.metric.name,)
    _check(len(set(metrics)) == len(metrics), f"metrics must not repeat a name, got {list(metrics)}")
    dims = (*grid, *((ZIP_DIM,) if zipped else ()))
    shape = (*(len(v) for v in grid.values()), *((next(iter(lengths.values())),) if zipped else ()))
    statics = set(system.params_class.static_fields())
    static_dims = [d in statics if d != ZIP_DIM else bool(statics & set(zipped)) for d in dims]
    result = Plan(spec, system, dims, shape, _chunk_shape(shape, static_dims, spec.chunk_size), policies, metrics)
    if check_metrics:
        check_metric_names(result)
    return result


@functools.lru_cache(maxsize=16)
def _check_params(system_name: str, values_json: str) -> None:
    """Each value alone, then every point, through the ``Params`` class's own validation
    (``values_json``: the fixed values, the grid and the zipped lists; cached, so a spec's points
    are built once per process)."""
    cls = get_system(system_name).params_class
    fixed, grid, zipped = json.loads(values_json)
    fixed = _as_field_values(fixed)
    try:
        cls(**fixed)
    except (TypeError, ValueError) as err:
        raise ValueError(f"params: {err}") from None
    for section, values in (("grid", grid), ("zip", zipped)):
        for key, vals in values.items():
            for i, v in enumerate(vals):
                try:
                    cls(**(fixed | _as_field_values({key: to_plain(v)})))
                except (TypeError, ValueError) as err:
                    raise ValueError(f"{section}.{key}[{i}] = {v!r}: {err}") from None
    zip_rows = [dict(zip(zipped, row)) for row in zip(*zipped.values())] if zipped else [{}]
    for combo in itertools.product(*grid.values()):
        for row in zip_rows:
            values = dict(zip(grid, combo)) | row
            try:
                cls(**(fixed | _as_field_values(to_plain(values))))
            except (TypeError, ValueError) as err:
                raise ValueError(f"the point {values} of grid/zip is not a valid {cls.__name__}: {err}") from None


def check_metric_names(p: Plan) -> None:
    """Every metric is a key of the system task's ``score`` (from shapes only)."""
    import equinox as eqx
    import jax

    params = p.params_of(p.point_values(0))
    task = p.system.task(params)
    policy = p.system.policy(p.policies[0], **to_plain(p.spec.policy_settings.get(p.policies[0], {})))
    example = eqx.filter_eval_shape(lambda k: p.system.example(p.system.sample(k, params)), jax.random.key(0))
    names = eqx.filter_eval_shape(lambda ex, k: task.score(policy, ex, k), example, jax.random.key(0)).keys()
    unknown = [m for m in p.metrics if m not in names]
    _check(not unknown, f"metrics: {unknown[0] if unknown else ''!r} is not a metric of system {p.system.name!r}; "
                        f"its metrics: {sorted(names)}")


ConfigStore.instance().store(name="sweep_schema", node=SweepConfig)
