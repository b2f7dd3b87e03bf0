"""Sweeps at cluster scale: ``python -m experiments.sweep sweep=<spec>`` (docs/sweeps.md).

A spec (``conf/sweep/*.yaml``, schema :class:`experiments.sweep.spec.SweepConfig`) names a
registered system, the parameter values (a ``grid`` and/or ``zip`` lists), the drops per point,
the policies and metrics, the chunking and the executor. The driver (:mod:`.driver`) validates
everything, lays out one xarray ``Dataset`` in a Zarr store (:mod:`.store`), and hands the
unfinished chunks to submitit workers (:mod:`.worker`: in-process ``debug``, ``local`` worker
processes, or a SLURM job array); each worker runs a chunk as calls of one compiled
``jit(vmap)`` program per static shape (:mod:`.engine`) and writes the chunk's region of the store.

Importing this package imports nothing else (a worker sets its thread and XLA settings before
JAX loads).
"""
