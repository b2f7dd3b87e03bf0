"""Small helpers shared by the experiment entry points (the thin shell around satjax)."""

from __future__ import annotations

import contextlib
import csv
import functools
import json
import statistics
import time
from pathlib import Path

import jax
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def hydra_app(config_path: str, config_name: str):
    """``hydra.main`` for satjax's entry points (same arguments; ``version_base="1.3"``), with every
    config Hydra composes checked by :func:`experiments.schema.check_config_targets` the moment it
    is composed: the run's config (before Hydra builds its logging, callbacks, launcher or
    sweeper from it) and each job's config of a sweep (before that job's logging). A config that
    names anything outside the allowlist stops the app with a ``ValueError`` naming the key, and
    nothing of it has run."""
    import hydra

    def decorate(task):
        app = hydra.main(version_base="1.3", config_path=config_path, config_name=config_name)(task)

        @functools.wraps(task)
        def main(cfg_passthrough=None):
            with _composed_configs_checked():
                return app(cfg_passthrough)

        return main

    return decorate


@contextlib.contextmanager
def _composed_configs_checked():
    """Check every config Hydra's config loader returns (``load_configuration`` composes the run's
    config in ``Hydra.compose_config`` and each sweep job's in ``load_sweep_config``; Hydra builds
    its plugins, callbacks and logging only from configs it got there), and every config search
    path before Hydra reads (for ``pkg://``: imports) it."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.config_search_path_impl import ConfigSearchPathImpl

    from experiments.schema import check_config_targets, check_search_path

    def after_load(original):
        def load_configuration(self, *args, **kwargs):
            cfg = original(self, *args, **kwargs)
            check_config_targets(cfg)
            return cfg
        return load_configuration

    def before_add(original):
        def add(self, provider, path, *args, **kwargs):
            check_search_path(path)
            return original(self, provider, path, *args, **kwargs)
        return add

    patches = [(ConfigLoaderImpl, "load_configuration", after_load), (ConfigSearchPathImpl, "append", before_add),
               (ConfigSearchPathImpl, "prepend", before_add)]
    originals = [cls.__dict__.get(name) for cls, name, _ in patches]
    if None in originals:                      # fail closed if Hydra's loader changed shape
        raise RuntimeError("satjax's config check needs hydra-core 1.3's ConfigLoaderImpl.load_configuration and "
                           "ConfigSearchPathImpl.append/prepend")
    for (cls, name, wrap), original in zip(patches, originals):
        setattr(cls, name, functools.wraps(original)(wrap(original)))
    try:
        yield
    finally:
        for (cls, name, _), original in zip(patches, originals):
            setattr(cls, name, original)


def load_config(cfg):
    """The validated config object of a Hydra app: every ``_target_`` on the allowlist
    (:func:`experiments.schema.check_config_targets`, also for a config composed without
    :func:`hydra_app`), unknown keys rejected (also ones added with ``+key=``), then
    ``OmegaConf.to_object`` (types and ranges checked by the schemas). If validation fails, the run directory Hydra has just
    created is removed again when it holds nothing but Hydra's own files, so a mistyped override
    leaves no empty run behind; the error propagates."""
    from omegaconf import OmegaConf

    from experiments.schema import check_config_targets, check_known_keys

    try:
        check_config_targets(cfg)
        check_known_keys(cfg)
        return OmegaConf.to_object(cfg)
    except Exception:
        _remove_unused_run_dir()
        raise


def _remove_unused_run_dir() -> None:
    import shutil

    try:
        from hydra.core.hydra_config import HydraConfig

        cfg = HydraConfig.get()
    except ValueError:
        return
    run_dir = Path(cfg.runtime.output_dir)
    hydra_files = {".hydra", f"{cfg.job.name}.log"}
    if run_dir.is_dir() and {p.name for p in run_dir.iterdir()} <= hydra_files:
        import logging

        logging.shutdown()
        shutil.rmtree(run_dir, ignore_errors=True)


def output_dir() -> Path:
    """The Hydra run directory when running under Hydra, else the current directory."""
    try:
        from hydra.core.hydra_config import HydraConfig

        return Path(HydraConfig.get().runtime.output_dir)
    except ValueError:
        return Path.cwd()


def write_csv(path: Path, header: list[str], rows) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_json(path: Path, payload) -> Path:
    path.write_text(json.dumps(payload, indent=2, default=float))
    return path


def set_precision(x64: bool) -> None:
    """Experiments (never the library) choose the float width."""
    jax.config.update("jax_enable_x64", bool(x64))


def start_app(cfg):
    """What the Hydra figure apps do first: the entry point's XLA and thread settings
    (``experiments.xla_env.configure_entry_point``), then its validated config
    (:func:`load_config`) and that config's float width (``x64``); returns the config."""
    from experiments.xla_env import configure_entry_point

    configure_entry_point()
    config = load_config(cfg)
    set_precision(config.x64)
    return config


def save_figure(fig, path: Path) -> Path:
    """Save ``fig`` as PNG (130 dpi) and close it; tight layout unless the figure has its own
    layout engine (e.g. ``layout="constrained"`` for a shared colour bar)."""
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def ecdf(values):
    """Sorted values and their empirical CDF levels."""
    import numpy as np

    x = np.sort(np.asarray(values).ravel())
    return x, np.arange(1, x.size + 1) / x.size


def time_call(fn, *args, repeats: int, per: int = 1) -> dict:
    """Time ``fn(*args)`` (blocking on every output): the first call (compilation for a jitted
    function, plus one run) is reported apart as ``first_call_s`` and excluded; then ``repeats``
    timed calls, their median as ``median_s`` and ``per_scenario_ms`` (median / ``per``)."""
    t0 = time.perf_counter()
    jax.block_until_ready(fn(*args))
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {"first_call_s": first, "median_s": med, "per_scenario_ms": 1e3 * med / per, "repeats": repeats}
