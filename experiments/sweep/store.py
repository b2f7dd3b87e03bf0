"""The sweep's results: one xarray ``Dataset`` in a Zarr store, laid out before any chunk runs.

Layout (:func:`create`): dimensions = the plan's point dimensions (named after the gridded
parameters, ``point`` for zipped lists) and ``drop``; the swept values are coordinates with
their units (``attrs["units"]``); one variable ``<metric>__<policy>`` per metric and policy
(``[*points, drop]``, NaN until computed); ``chunk_done`` (``[chunk]``, bool) marks each chunk
written completely. The attributes hold the full resolved spec (JSON), the hash of its
result-deciding part, and the satjax and jax versions and git revision. The Zarr chunks of every
variable are the sweep's chunks, so each worker writes its own Zarr chunks only
(``to_zarr(region=...)``) and ``chunk_done`` last: a chunk killed mid-write is not marked and
runs again. Nothing but the layout is written up front (empty chunks are not stored).

Beside the store, ``<store>.work/`` holds one log per chunk (``logs/chunk-000003.log``), the
workers' claims and submitit's files.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import warnings
from pathlib import Path

import numpy as np

from experiments.sweep.spec import DROP_DIM, RESULT_KEYS, Plan, first_difference, from_dict, plan, spec_dict, spec_hash

CHUNK_DIM = "chunk"
DONE = "chunk_done"
ROOT = Path(__file__).resolve().parents[2]


def work_dir(store: str | Path) -> Path:
    """``<store>.work/``: chunk logs, claims, submitit files."""
    return Path(f"{Path(store)}.work")


def chunk_log(store: str | Path, chunk: int) -> Path:
    """The log file of chunk ``chunk``."""
    return work_dir(store) / "logs" / f"chunk-{chunk:06d}.log"


def git_revision() -> str:
    """``git describe --always --dirty`` of the repository satjax runs from, or ``"unknown"``."""
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=40"], cwd=ROOT, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unknown"


def _attrs(plan: Plan) -> dict:
    import jax

    import satjax

    return {"sweep_spec": json.dumps(spec_dict(plan.spec)),
            "sweep_spec_hash": spec_hash(plan.spec), "system": plan.system.name, "paper": plan.system.paper,
            "satjax_version": getattr(satjax, "__version__", "unknown"), "jax_version": jax.__version__,
            "git_revision": git_revision(), "created": datetime.datetime.now(datetime.timezone.utc).isoformat()}


def load_plan(store: str | Path) -> Plan:
    """The plan of the sweep in ``store`` (from the spec in its attributes, at this path)."""
    spec = json.loads(read_attrs(store)["sweep_spec"])
    return plan(from_dict(spec | {"store": str(store)}, validate=False), check_metrics=False, check_points=False)


def exists(store: str | Path) -> bool:
    return Path(store).exists()


def read_attrs(store: str | Path) -> dict:
    """The store's attributes (``ValueError`` if it is not a Zarr group)."""
    import zarr

    try:
        return dict(zarr.open_group(str(store), mode="r").attrs)
    except Exception as err:  # noqa: BLE001 - anything unreadable is not a sweep store
        raise ValueError(f"store {store} exists but is not a Zarr store ({type(err).__name__}: {err}); "
                         "give another store path or remove it") from None


def check_belongs(plan: Plan) -> None:
    """Refuse an existing store made by another spec (``ValueError`` naming the store and the first
    differing key)."""
    store = plan.spec.store
    attrs = read_attrs(store)
    if "sweep_spec_hash" not in attrs:
        raise ValueError(f"store {store} exists but is not a satjax sweep store; give another store path or remove it")
    if attrs["sweep_spec_hash"] != spec_hash(plan.spec):
        ours, theirs = spec_dict(plan.spec), json.loads(attrs.get("sweep_spec", "{}"))
        ours, theirs = ({k: d.get(k) for k in RESULT_KEYS} for d in (ours, theirs))
        key = first_difference(theirs, ours) or "the order of the grid/zip keys"
        raise ValueError(f"store {store} belongs to another spec: {key} differs (store: {_lookup(theirs, key)!r}, "
                         f"this spec: {_lookup(ours, key)!r}); results are never mixed: give another store path, or "
                         "remove the store to start over")


def _lookup(data, dotted: str):
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def create(plan: Plan) -> None:
    """Write the store's full layout (coordinates, attributes, NaN variables, ``chunk_done``
    False); no data chunk is written."""
    import xarray as xr

    n_drops = plan.spec.drops
    point_dims = (*plan.dims, DROP_DIM)
    shape = (*plan.shape, n_drops)
    chunks = (*plan.chunk_shape, n_drops)
    data_vars, encoding = {}, {}
    for name, metric, policy in plan.variables():
        unit = plan.system.metric.unit if metric == plan.system.metric.name else ""
        data_vars[name] = (point_dims, np.broadcast_to(np.nan, shape),
                           {"metric": metric, "policy": policy, "units": unit, "long_name": f"{metric} of {policy}"})
        encoding[name] = {"chunks": chunks, "_FillValue": np.nan}
    data_vars[DONE] = ((CHUNK_DIM,), np.broadcast_to(False, (plan.num_chunks,)),
                       {"long_name": "chunk written completely", "chunk_shape": list(plan.chunk_shape)})
    encoding[DONE] = {"chunks": (1,)}
    coords = {name: (dim, values, attrs) for name, (dim, values, attrs) in plan.coordinates().items()}
    coords[DROP_DIM] = (DROP_DIM, np.arange(n_drops), {"long_name": "drop index (key fold_in(point key, drop))"})
    ds = xr.Dataset(data_vars, coords=coords, attrs=_attrs(plan))
    with warnings.catch_warnings():        # consolidated metadata (one read of the layout) is not in Zarr v3's spec yet
        warnings.filterwarnings("ignore", message="Consolidated metadata is currently not part")
        ds.to_zarr(plan.spec.store, mode="w-", encoding=encoding, write_empty_chunks=False, consolidated=True)


def done_chunks(store: str | Path) -> np.ndarray:
    """``chunk_done`` of the store: which chunks are written completely."""
    import zarr

    return np.asarray(zarr.open_group(str(store), mode="r")[DONE][:], bool)


def write_chunk(plan: Plan, chunk: int, results: dict[str, np.ndarray]) -> None:
    """Write chunk ``chunk``'s results (``variable -> [*region, drop]``) into its region, then mark
    it done."""
    import xarray as xr

    region = dict(zip(plan.dims, plan.region(chunk)))
    dims = (*plan.dims, DROP_DIM)
    xr.Dataset({name: (dims, values) for name, values in results.items()}).to_zarr(
        plan.spec.store, region=region, mode="r+", consolidated=False)
    xr.Dataset({DONE: ((CHUNK_DIM,), np.array([True]))}).to_zarr(
        plan.spec.store, region={CHUNK_DIM: slice(chunk, chunk + 1)}, mode="r+", consolidated=False)
