"""Orbax checkpoints of a training state, with fallback past a corrupted latest checkpoint.

A checkpoint holds the array PyTree of the training state (model parameters, optimizer state,
step) plus a small JSON record. Orbax writes each step into a temporary directory and renames it
when complete, so an interrupted save never shows up as a step; a checkpoint damaged afterwards
(truncated or deleted files) fails to restore, and ``Checkpoints.restore_latest`` then warns
and falls back to the previous one. A checkpoint whose stored arrays (shapes, dtypes) are not
those of the state it is restored into is not damaged but another run's (another model or
optimizer): ``restore_latest`` refuses it with ``ResumeMismatchError`` and never falls back past
it. No pickle is involved (OCDBT/TensorStore arrays + JSON).

In a multi-process run every process calls ``save`` and ``restore`` (Orbax's barriers keep them
together) and each replicated array is written once, by the process holding its replica 0
(process 0): Orbax's default on CPU would split each replicated array between the replicas
(replica-parallel saving), so every process would write part of it.
"""

from __future__ import annotations

import errno
import shutil
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import jax
import numpy as np
import orbax.checkpoint as ocp

from satjax.train.record import ResumeMismatchError

__all__ = ["Checkpoints", "array_signature"]


def array_signature(tree: Any) -> Counter:
    """The arrays of a state as a multiset of ``dtype[shape]`` (independent of how a checkpoint
    names their paths)."""
    return Counter(f"{x.dtype}{list(x.shape)}" for x in jax.tree.leaves(tree) if hasattr(x, "shape"))


def _single_replica_writer() -> ocp.PyTreeCheckpointHandler:
    """Orbax's pytree handler with arrays written from replica 0 only (no replica-parallel saving;
    on one process nothing changes): its public ``type_handler_registry`` option. The files are
    those of ``StandardCheckpointHandler``, which wraps this same handler (checkpoints written
    through it restore, tested)."""
    registry = ocp.type_handlers.create_type_handler_registry(
        (jax.Array, ocp.type_handlers.ArrayHandler(use_replica_parallel=False)),
        (np.ndarray, ocp.type_handlers.NumpyHandler()),
        *[(t, ocp.type_handlers.ScalarHandler()) for t in (int, float, np.number)])
    return ocp.PyTreeCheckpointHandler(type_handler_registry=registry)


class Checkpoints:
    """Save every ``every`` steps into ``directory``, keeping the newest ``keep``.

    Arguments:
        directory: where step sub-directories go (created if missing).
        every: save when ``step % every == 0`` (and always at the final step via ``force``).
        keep: number of checkpoints kept (>= 2 so a fallback exists).
    """

    def __init__(self, directory: str | Path, *, every: int, keep: int = 3):
        if every < 1:
            raise ValueError(f"checkpoint every must be >= 1 step, got {every}")
        if keep < 1:
            raise ValueError(f"keep must be >= 1 checkpoint, got {keep}")
        self.directory = Path(directory).absolute()
        self.every = every
        options = ocp.CheckpointManagerOptions(max_to_keep=keep, enable_async_checkpointing=False,
                                               create=True)
        handlers = {"state": _single_replica_writer(), "record": ocp.JsonCheckpointHandler()}
        self._manager = ocp.CheckpointManager(self.directory, options=options, item_handlers=handlers)

    def steps(self) -> list[int]:
        """Finalized checkpoint steps, oldest first."""
        return sorted(self._manager.all_steps())

    def save(self, step: int, state: Any, record: dict | None = None, *, force: bool = False) -> bool:
        """Save ``state`` (a PyTree of arrays) at ``step`` if it is due (or ``force``)."""
        if not force and step % self.every:
            return False
        if step in self._manager.all_steps():
            return False
        # A full disk makes Orbax's writer tasks fail one by one, each logging its own traceback
        # (thousands of lines); check the room first and fail once, plainly.
        need = sum(int(getattr(x, "nbytes", 0)) for x in jax.tree.leaves(state))
        free = shutil.disk_usage(self.directory).free
        if free < 2 * need + 2**20:
            raise OSError(errno.ENOSPC, f"not enough free space in {self.directory} for the checkpoint of step {step} "
                                        f"({free} bytes free, about {2 * need + 2**20} needed)")
        # NumPy scalars as 0-d arrays (as StandardCheckpointHandler stores them; np.bool_ has no handler of its own)
        state = jax.tree.map(lambda x: np.asarray(x) if isinstance(x, np.generic) else x, state)
        args = ocp.args.Composite(state=ocp.args.PyTreeSave(state), record=ocp.args.JsonSave(record or {}))
        self._manager.save(step, args=args, force=True)
        self._manager.wait_until_finished()
        return True

    def restore(self, step: int, like: Any) -> tuple[Any, dict]:
        """Restore the checkpoint of ``step`` into the structure, dtypes and shardings of ``like``."""
        abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, like)
        state = ocp.args.PyTreeRestore(abstract, restore_args=ocp.checkpoint_utils.construct_restore_args(abstract))
        out = self._manager.restore(step, args=ocp.args.Composite(state=state, record=ocp.args.JsonRestore()))
        return out.state, dict(out.record or {})

    def stored_signature(self, step: int) -> Counter | None:
        """``array_signature`` of the checkpoint of ``step`` from its metadata; ``None`` when the
        metadata cannot be read (a damaged checkpoint)."""
        try:
            meta = self._manager.item_metadata(step)
            tree = meta["state"].tree if hasattr(meta["state"], "tree") else meta["state"]
            return array_signature(tree)
        except Exception:  # noqa: BLE001 - unreadable metadata means "damaged", decided by the caller
            return None

    def restore_latest(self, like: Any) -> tuple[int, Any, dict] | None:
        """The newest checkpoint that restores, as ``(step, state, record)``; ``None`` if there is
        none. A checkpoint that fails to restore is reported with a warning and skipped; one whose
        metadata lists arrays ``like`` does not have (another model or optimizer) raises
        ``ResumeMismatchError`` naming the arrays that differ; when none restores, a
        ``ValueError`` (never a silent fresh start over them)."""
        want = array_signature(like)
        for step in reversed(self.steps()):
            held = self.stored_signature(step)
            if held is not None and held != want:
                raise ResumeMismatchError(
                    f"the checkpoint of step {step} in {self.directory} holds the state of another model or optimizer, "
                    f"not a damaged one: arrays only in the checkpoint {sorted((held - want).elements())[:6]}, only "
                    f"in the new state {sorted((want - held).elements())[:6]}. Nothing was changed. Resume with the "
                    "run's model and optimizer, or start a new run in another directory.")
            try:
                state, record = self.restore(step, like)
            except Exception as err:  # noqa: BLE001 - any failure to read means "unusable"
                warnings.warn(f"checkpoint at step {step} in {self.directory} could not be restored "
                              f"({type(err).__name__}: {str(err)[:200]}); falling back to an earlier one",
                              RuntimeWarning, stacklevel=2)
                continue
            return step, state, record
        if self.steps():
            raise ValueError(f"none of the checkpoints {self.steps()} in {self.directory} restores into this training "
                             "state (each failure is warned above): all damaged, or another model's or optimizer's. "
                             "Nothing was changed; to start over, use another run directory.")
        return None

    def close(self) -> None:
        self._manager.wait_until_finished()
        self._manager.close()
