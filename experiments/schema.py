"""Structured (dataclass) config schemas, registered in Hydra's ConfigStore.

Every override is type-checked by OmegaConf during composition and range-checked in
``__post_init__`` (which runs in ``OmegaConf.to_object``), before any JAX work starts.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from hydra.core.config_store import ConfigStore

from satjax.systems import REGISTRY, System, get_system, system_names


def check_known_keys(cfg, path: str = "") -> None:
    """Reject keys a schema does not declare, however they were added (Hydra's ``+key=value``
    bypasses the struct flag), suggesting the closest valid key."""
    import difflib

    from omegaconf import DictConfig, OmegaConf

    kind = OmegaConf.get_type(cfg)
    if dataclasses.is_dataclass(kind):
        names = [f.name for f in dataclasses.fields(kind)]
        for key in cfg.keys():
            if key not in names:
                close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.5)
                hint = f"did you mean {path}{close[0]}?" if close else f"valid keys: {sorted(names)}"
                raise ValueError(f"unknown config key {path}{key}: {hint}")
    for key in cfg.keys():
        node = cfg._get_node(key)
        if isinstance(node, DictConfig) and not node._is_none():
            check_known_keys(node, f"{path}{key}.")


def _library_checked(prefix: str, fn, *args, **kwargs):
    """Call a satjax constructor or validator; its ``ValueError`` (which names the parameter)
    comes back naming the config key, e.g. ``trainer.seed must be ...``. One rule, one place: the
    library's."""
    try:
        return fn(*args, **kwargs)
    except ValueError as err:
        raise ValueError(f"{prefix}.{err}") from None


def _mirror_config(cls, name: str):
    """A structured-config dataclass with the fields (names, defaults) of a satjax ``Params``
    class, typed from their metadata (sizes ``int``, modes ``str``, physical scalars ``float``,
    physical vectors ``list[float]``), so the schema cannot drift from the library; ``to_params``
    builds the parameters and the library's validation names the offending ``scenario.<field>``."""
    fields, vectors = [], set()
    for f in dataclasses.fields(cls):
        kind = f.metadata.get("kind")
        if kind == "physical" and f.metadata["shape"]:
            vectors.add(f.name)
            fields.append((f.name, list[float], field(default_factory=lambda d=f.default: [float(x) for x in d])))
        elif kind == "physical":
            fields.append((f.name, float, field(default=float(f.default))))
        elif kind == "size":
            fields.append((f.name, int, field(default=f.default)))
        else:
            fields.append((f.name, str, field(default=f.default)))

    def to_params(self, **overrides):
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values = {k: tuple(float(x) for x in v) if k in vectors else v for k, v in values.items()} | overrides
        return _library_checked("scenario", cls, **values)

    def post_init(self):
        self.to_params()  # the library's validation names the offending parameter

    return _importable(dataclasses.make_dataclass(name, fields, namespace={
        "to_params": to_params, "__post_init__": post_init, "__module__": __name__,
        "__doc__": f"Config mirror of :class:`{cls.__name__}`."}))


def _importable(cls: type) -> type:
    """Bind a config class made at import time (``dataclasses.make_dataclass``) to its name in this
    module, so ``pickle`` finds it by reference: a launcher that ships the composed config to
    another process (hydra-submitit-launcher's local and SLURM jobs, the sweep workers) must get
    the same class there, or the schema's ``isinstance`` checks refuse it."""
    if globals().get(cls.__name__, cls) is not cls:
        raise TypeError(f"two config classes are named {cls.__name__!r} in {__name__}")
    cls.__qualname__ = cls.__name__
    globals()[cls.__name__] = cls
    return cls


#: The scenario config of each system, keyed by its registry name (``satjax.systems.REGISTRY``)
#: and mirrored from its ``Params`` class (every size and physical field with its default; the
#: library's validation names ``scenario.<field>`` and its range): a new system's scenario config
#: needs no code here. The class is named after the paper the system reproduces
#: (``Scenario{System.paper}Config``), as is its ConfigStore entry ``scenario_{paper}_schema``
#: (``conf/scenario/*.yaml``).
SCENARIO_CONFIGS = {name: _mirror_config(get_system(name).params_class, f"Scenario{get_system(name).paper}Config")
                    for name in system_names()}
#: The uplink's (:class:`satjax.uplink.UplinkParams`, paper A), the downlink's (``DownlinkParams``,
#: paper B) and the UAV system's (``UavParams``, paper C).
ScenarioAConfig, ScenarioBConfig, ScenarioCConfig = (SCENARIO_CONFIGS[name] for name in ("uplink", "downlink", "uav"))


def _positive_int(name, value, lo=1):
    if value < lo:
        raise ValueError(f"{name} must be >= {lo}, got {value}")


@dataclass
class ThroughputCdfConfig:
    """Figs. 3-4 of paper A: CDFs of per-user and sum throughput for the three links."""

    scenario: ScenarioAConfig = field(default_factory=ScenarioAConfig)
    seed: int = 0
    num_drops: int = 200
    mc_drops: Optional[int] = None           # default min(20, num_drops)
    mc_samples: int = 1_000
    x64: bool = False

    def __post_init__(self):
        _positive_int("num_drops", self.num_drops)
        if self.mc_drops is None:
            self.mc_drops = min(20, self.num_drops)
        _positive_int("mc_drops", self.mc_drops, 0)
        _positive_int("mc_samples", self.mc_samples)
        if self.mc_drops > self.num_drops:
            raise ValueError(f"mc_drops must be <= num_drops ({self.num_drops}), got {self.mc_drops}")


@dataclass
class PilotLengthConfig:
    """Figs. 5-6 of paper A: throughput versus pilot length for several coherence lengths."""

    scenario: ScenarioAConfig = field(default_factory=lambda: ScenarioAConfig(num_users=10))
    seed: int = 0
    num_drops: int = 100
    tau_p_values: list[int] = field(default_factory=lambda: [1, 2, 4, 6, 8, 10, 15, 20, 30, 40, 60, 80, 100])
    tau_c_values: list[int] = field(default_factory=lambda: [200, 10_000, 100_000])
    x64: bool = False

    def __post_init__(self):
        _positive_int("num_drops", self.num_drops)
        if not self.tau_p_values or min(self.tau_p_values) < 1:
            raise ValueError(f"tau_p_values must be non-empty integers >= 1, got {self.tau_p_values}")
        if not self.tau_c_values or min(self.tau_c_values) <= max(self.tau_p_values):
            raise ValueError(f"every tau_c in tau_c_values must exceed max(tau_p_values) = {max(self.tau_p_values)}")


@dataclass
class PowerControlConfig:
    """Figs. 7-10 of paper A: Algorithm 1 convergence, CDF against baselines, scheduled users."""

    scenario: ScenarioAConfig = field(default_factory=ScenarioAConfig)
    seed: int = 0
    k_values: list[int] = field(default_factory=lambda: [20, 30, 40, 50])
    num_drops: int = 200
    cdf_k: int = 30
    pg_drops: Optional[int] = None           # default min(50, num_drops)
    pg_starts: int = 8
    pg_steps: int = 500
    tol: float = 1e-6
    max_iters: int = 1000
    fig7_iters: int = 40
    x64: bool = False

    def __post_init__(self):
        _positive_int("num_drops", self.num_drops)
        if self.pg_drops is None:
            self.pg_drops = min(50, self.num_drops)
        _positive_int("pg_drops", self.pg_drops, 0)
        _positive_int("pg_starts", self.pg_starts)
        _positive_int("pg_steps", self.pg_steps)
        _positive_int("max_iters", self.max_iters)
        _positive_int("fig7_iters", self.fig7_iters)
        if not self.k_values or min(self.k_values) < 2:
            raise ValueError(f"k_values must be non-empty integers >= 2 (tau_p = K/2), got {self.k_values}")
        if self.cdf_k not in self.k_values:
            raise ValueError(f"cdf_k must be one of k_values {self.k_values}, got {self.cdf_k}")
        if self.pg_drops > self.num_drops:
            raise ValueError(f"pg_drops must be <= num_drops ({self.num_drops}), got {self.pg_drops}")
        if not self.tol > 0:
            raise ValueError(f"tol must be > 0, got {self.tol}")


# --------------------------------------------------------------------------- system B



#: The figures of the paper-B figure app (``figures``): Figs. 8 and 9 are one runtime table.
EE_FIGURES = ("fig7", "fig11", "fig12", "fig13", "fig8_9")


@dataclass
class EnergyEfficiencyConfig:
    """Paper B, Figs. 7-9 and 11-13: EE of the precoders (model-based, and the trained models of
    ``runs``) and their runtime."""

    scenario: ScenarioBConfig = field(default_factory=ScenarioBConfig)
    seed: int = 0
    num_drops: int = 50
    tol: float = 1e-5
    max_iters: int = 30
    inner_max_iters: int = 200
    p_max_values: list[float] = field(default_factory=lambda: [1.0, 2.0, 5.0, 10.0, 20.0, 50.0])
    fig7_configs: list[list[int]] = field(default_factory=lambda: [[8, 8, 10], [4, 4, 4]])
    mc_samples: int = 2000
    nt_side_values: list[int] = field(default_factory=lambda: [4, 6, 8, 10, 12])
    k_values: list[int] = field(default_factory=lambda: [2, 4, 6, 8, 10, 12, 16])
    fig13_config: list[int] = field(default_factory=lambda: [8, 8, 9])
    csi_error_dbw: list[float] = field(default_factory=lambda: [-40.0, -30.0, -20.0, -15.0, -10.0, -5.0, 0.0])
    csi_samples: int = 200
    runtime_k_values: list[int] = field(default_factory=lambda: [2, 4, 9, 16, 32])
    runtime_side_values: list[int] = field(default_factory=lambda: [4, 8, 12, 16])
    runtime_batch: int = 16
    timing_repeats: int = 5
    runs: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=lambda: list(EE_FIGURES))
    x64: bool = False

    def __post_init__(self):
        for name in ("num_drops", "max_iters", "inner_max_iters", "mc_samples", "csi_samples", "timing_repeats",
                     "runtime_batch"):
            _positive_int(name, getattr(self, name))
        bad = [f for f in self.figures if f not in EE_FIGURES]
        if not self.figures or bad or len(set(self.figures)) != len(self.figures):
            raise ValueError(f"figures must be a non-empty subset of {EE_FIGURES} without repeats, got {list(self.figures)}")
        if not self.tol > 0:
            raise ValueError(f"tol must be > 0, got {self.tol}")
        if not self.p_max_values or min(self.p_max_values) <= 0:
            raise ValueError(f"p_max_values must be non-empty and > 0 W, got {self.p_max_values}")
        if len(self.fig13_config) != 3 or min(self.fig13_config) < 1:
            raise ValueError(f"fig13_config must be [n_h, n_v, K] with positive integers, got {self.fig13_config}")
        if any(len(c) != 3 or min(c) < 1 for c in self.fig7_configs):
            raise ValueError(f"fig7_configs entries must be [n_h, n_v, K] with positive integers, got {self.fig7_configs}")
        if not self.csi_error_dbw or not all(math.isfinite(e) and e <= 30 for e in self.csi_error_dbw):
            raise ValueError(f"csi_error_dbw must be non-empty finite values <= 30 dBW, got {self.csi_error_dbw}")
        for run in self.runs:
            if not Path(run).is_dir():
                raise ValueError(f"runs: {run!r} is not a directory (pass finished `python -m experiments.train "
                                 "+exp=<paper-B model>` run directories)")
        for name in ("nt_side_values", "k_values", "runtime_k_values", "runtime_side_values"):
            values = getattr(self, name)
            if not values or min(values) < 1:
                raise ValueError(f"{name} must be non-empty integers >= 1, got {values}")


# --------------------------------------------------------------------------- system C



# --------------------------------------------------------------------------- main job: training

#: Modules whose objects a config may instantiate through ``_target_``.
ALLOWED_TARGET_PREFIXES = ("satjax.", "experiments.")
#: Hydra's own launchers and sweepers, by full name: the only other classes ``hydra.launcher`` and
#: ``hydra.sweeper`` may name (never imported by the check; Hydra builds them).
HYDRA_PLUGINS = {
    "hydra.launcher._target_": ("hydra._internal.core_plugins.basic_launcher.BasicLauncher",
                                "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
                                "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"),
    "hydra.sweeper._target_": ("hydra._internal.core_plugins.basic_sweeper.BasicSweeper",),
}
#: Python logging configuration (``hydra.job_logging``, ``hydra.hydra_logging``, fed to
#: ``logging.config.dictConfig``): its ``class`` and ``()`` entries name classes of these
#: packages only, and ``ext://`` reaches only the standard streams.
LOGGING_SECTIONS = ("hydra.job_logging.", "hydra.hydra_logging.")
LOGGING_TARGET_PREFIXES = ("logging.", "colorlog.")
LOGGING_EXTERNALS = ("ext://sys.stdout", "ext://sys.stderr")
#: Packages a config search path (``hydra.searchpath``) may name with ``pkg://``: Hydra imports
#: them while it composes the config, before any check of the composed config can run.
SEARCH_PATH_PACKAGES = ("satjax", "experiments", "hydra", "hydra_plugins")
#: Resolvers that build config nodes from strings (out of reach of a check of the composed nodes).
NODE_BUILDING_RESOLVERS = ("oc.create", "oc.decode")
OPTIMIZERS = ("adam", "adamw", "sgd", "lion")
SCHEDULES = ("constant", "cosine", "warmup_cosine")


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ValueError(message)


def resolve_target(key: str, target: str, prefixes: tuple[str, ...] = ALLOWED_TARGET_PREFIXES) -> type:
    """The class a ``_target_`` names, accepted only if it *is* a class defined in a module under
    ``prefixes`` (satjax or experiments; a string prefix is not enough:
    ``experiments.xla_env.os.system`` starts with ``experiments.`` but is ``os.system``). The
    prefix is checked before anything is imported."""
    import inspect

    import hydra.utils

    roots = tuple(p.rstrip(".") for p in prefixes)
    _check(isinstance(target, str) and target.startswith(prefixes), f"{key} must name a class in {prefixes}, got {target!r}")
    try:
        obj = hydra.utils.get_object(target)
    except Exception as err:  # noqa: BLE001 - any import/lookup failure is a bad config value
        raise ValueError(f"{key}: cannot import {target!r} ({type(err).__name__}: {err})") from None
    module = getattr(obj, "__module__", "") or ""
    _check(inspect.isclass(obj) and module.split(".")[0] in roots,
           f"{key} must name a class defined in {' or '.join(roots)}, got {target!r} "
           f"({type(obj).__name__} from module {module!r})")
    return obj


def _check_target(key: str, target) -> None:
    """One entry of the allowlist: ``key`` (a full config key) may name ``target``."""
    if key in HYDRA_PLUGINS:
        _check(target in HYDRA_PLUGINS[key], f"{key} must be one of Hydra's own {HYDRA_PLUGINS[key]}, got {target!r}")
    elif key.startswith(LOGGING_SECTIONS) and not key.endswith("._target_"):
        resolve_target(key, target, LOGGING_TARGET_PREFIXES)
    else:
        resolve_target(key, target)


def check_search_path(path: str) -> None:
    """Refuse a ``pkg://`` config search path outside :data:`SEARCH_PATH_PACKAGES` (importing a
    package runs its code); ``file://`` paths import nothing."""
    if isinstance(path, str) and path.startswith("pkg://"):
        root = path.removeprefix("pkg://").split("/")[0].split(".")[0]
        _check(root in SEARCH_PATH_PACKAGES, f"hydra.searchpath: {path!r} would import a package outside "
                                             f"{SEARCH_PATH_PACKAGES} while the config is composed")


def check_config_targets(cfg, path: str = "", depth: int = 0) -> None:
    """Refuse a config that would make Hydra or the job build anything outside one allowlist
    (``ValueError`` naming the key), before anything is built: every ``_target_`` at any depth
    (``hydra.callbacks``, every group, ``_args_`` lists; ``_partial_`` changes nothing) names a
    class defined in satjax or experiments, except ``hydra.launcher``/``hydra.sweeper``, which name
    one of Hydra's own (:data:`HYDRA_PLUGINS`); Python logging sections name ``logging``/``colorlog``
    classes and reach ``ext://`` only for the standard streams; a ``_target_`` is a literal, and no
    value builds nodes from a string (``oc.create``, ``oc.decode``)."""
    from omegaconf import DictConfig, ListConfig, OmegaConf

    _check(depth < 64, f"{path or 'the config'} is nested more than 64 levels deep (a cyclic interpolation?)")
    keys = list(cfg.keys()) if isinstance(cfg, DictConfig) else list(range(len(cfg)))
    for key in keys:
        full = f"{path}{key}" if isinstance(key, str) else f"{path.rstrip('.')}[{key}]"
        node = cfg._get_node(key)
        raw = node._value() if node is not None else None
        if OmegaConf.is_interpolation(cfg, key):
            _check(not any(f"${{{r}:" in str(raw) for r in NODE_BUILDING_RESOLVERS),
                   f"{full}: {NODE_BUILDING_RESOLVERS} interpolations are not accepted in satjax configs, got {raw!r}")
        is_target = key == "_target_" or (full.startswith(LOGGING_SECTIONS) and key in ("class", "()"))
        if is_target:
            _check(not OmegaConf.is_interpolation(cfg, key), f"{full} must be a literal class name, got {raw!r}")
            _check_target(full, raw)
            continue
        try:
            value = cfg[key]
        except Exception:  # noqa: BLE001 - a value known only later (hydra.runtime.*) builds nothing
            continue
        if full.startswith(LOGGING_SECTIONS) and isinstance(value, str) and value.startswith("ext://"):
            _check(value in LOGGING_EXTERNALS, f"{full} may reach only {LOGGING_EXTERNALS}, got {value!r}")
        if isinstance(value, (DictConfig, ListConfig)):
            check_config_targets(value, full + ("." if isinstance(value, DictConfig) else ""), depth + 1)


#: Constructor arguments the main job gives a model itself: sizes of the scenario, the key, the dtype.
JOB_GIVEN = ("num_antennas", "num_users", "key", "dtype")


def model_system(target: str) -> str | None:
    """The system whose package (``satjax.systems.REGISTRY``) defines a model class.

    Args:
        target: the dotted class name of ``model._target_`` (e.g. ``"satjax.downlink.EdgeGNN"``).

    Returns:
        The system's registry name (``"uplink"``, ``"downlink"``, ``"uav"``), or ``None`` for a
        class of no system's package.
    """
    module = resolve_target("model._target_", target).__module__
    return next((name for name, pkg in REGISTRY.items() if module == pkg or module.startswith(pkg + ".")), None)


def _check_model_settings(cfg) -> None:
    """The model class ``_target_`` names takes exactly the config's fields (plus what the job
    gives, :data:`JOB_GIVEN`), and its ``check_settings`` (when it has one) accepts their values."""
    import inspect

    cls = resolve_target("model._target_", cfg._target_)
    settings = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg) if f.name != "_target_"}
    accepted = inspect.signature(cls).parameters
    takes = sorted(n for n in accepted if n not in JOB_GIVEN)
    unknown = [n for n in settings if n not in accepted]
    _check(not unknown, f"model.{unknown[0] if unknown else ''} is not a setting of {cfg._target_} (it takes {takes}); "
                        "pick the model group that matches the class (model=...)")
    missing = [n for n, p in accepted.items() if p.default is p.empty and n not in settings and n not in JOB_GIVEN
               and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    _check(not missing, f"model: {cfg._target_} needs {missing}, which the model config does not give")
    check = getattr(cls, "check_settings", None)
    if check is not None:
        try:
            _library_checked("model", check, **settings)
        except TypeError as err:                    # the class wants other settings than this config's
            raise ValueError(f"model: {cfg._target_} does not take this model config ({err}); pick the model group "
                             "that matches the class (model=...)") from None


#: Setting types a model config can carry (Hydra/OmegaConf scalars), by the type of the
#: constructor default.
MODEL_SETTING_TYPES = (bool, int, float, str)


def _model_config(system: System, name: str, cls: type):
    """A structured-config dataclass mirroring the constructor of the learned model ``cls`` (the
    model ``name`` of ``system.models``): ``_target_`` (the class, as its system's package exports
    it) and every setting with the constructor's default, typed by that default; the arguments the
    job gives (:data:`JOB_GIVEN`) are left out. The class's defaults are the only defaults, and
    ``__post_init__`` runs the class's own ``check_settings`` (:func:`_check_model_settings`)."""
    import importlib
    import inspect

    package = REGISTRY[system.name]
    exported = getattr(importlib.import_module(package), cls.__name__, None) is cls
    target = f"{package}.{cls.__name__}" if exported else f"{cls.__module__}.{cls.__qualname__}"
    fields = [("_target_", str, field(default=target))]
    for arg, p in inspect.signature(cls).parameters.items():
        if arg in JOB_GIVEN or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is p.empty or type(p.default) not in MODEL_SETTING_TYPES:
            raise TypeError(f"{system.name} model {name!r} ({target}): setting {arg!r} needs a default of type "
                            f"{[t.__name__ for t in MODEL_SETTING_TYPES]} to be mirrored in the config schema, "
                            f"got {p.default!r}")
        fields.append((arg, type(p.default), field(default=p.default)))
    summary = (inspect.getdoc(cls) or cls.__name__).split("\n\n")[0].replace("\n", " ")
    return _importable(dataclasses.make_dataclass(f"{cls.__name__}Config", fields, namespace={
        "__post_init__": _check_model_settings, "__module__": __name__,
        "__doc__": f"Config mirror of :class:`{target}` (system {system.paper}, model ``{name}``): {summary}"}))


def _model_configs() -> dict:
    """Every learned model of every registered system, by its name in ``System.models`` (the name
    of its ``conf/model/<name>.yaml`` and of its ``<name>_schema`` in the ConfigStore)."""
    configs = {}
    for system_name in REGISTRY:
        system = get_system(system_name)
        for name, cls in system.models.items():
            if name in configs:
                raise TypeError(f"model name {name!r} is declared by two systems; model names must be unique")
            configs[name] = _model_config(system, name, cls)
    return configs


#: The model config of each learned model of each registered system (``System.models``), mirrored
#: from the model's constructor: a new model or system needs no code here.
MODEL_CONFIGS = _model_configs()
#: The main job's default model: paper A's SHGNN (``conf/config.yaml``).
DEFAULT_MODEL = "shgnn"


@dataclass
class OptimizerConfig:
    """An Optax optimizer and learning-rate schedule (the peak rate is ``trainer.lr``)."""

    name: str = "adam"
    b1: float = 0.9
    b2: float = 0.999
    weight_decay: float = 0.0
    momentum: float = 0.9
    grad_clip_norm: float = 0.0        # 0 = no clipping
    schedule: str = "warmup_cosine"
    warmup_steps: int = 50
    final_lr_fraction: float = 0.02

    def __post_init__(self):
        _check(self.name in OPTIMIZERS, f"optimizer.name must be one of {OPTIMIZERS}, got {self.name!r}")
        _check(self.schedule in SCHEDULES, f"optimizer.schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        for name in ("b1", "b2", "momentum"):
            v = getattr(self, name)
            _check(0 <= v < 1, f"optimizer.{name} must be in [0, 1), got {v}")
        _check(self.weight_decay >= 0, f"optimizer.weight_decay must be >= 0, got {self.weight_decay}")
        _check(self.grad_clip_norm >= 0, f"optimizer.grad_clip_norm must be >= 0 (0 = off), got {self.grad_clip_norm}")
        _check(self.warmup_steps >= 0, f"optimizer.warmup_steps must be >= 0, got {self.warmup_steps}")
        _check(0 <= self.final_lr_fraction <= 1,
               f"optimizer.final_lr_fraction must be in [0, 1], got {self.final_lr_fraction}")


def _trainer_config():
    """``TrainerConfig``: every field of :class:`satjax.train.TrainSettings` but ``seed`` (the
    job's top-level ``seed``), with the library's defaults (one set of defaults; each experiment's
    own values are in ``conf/trainer/*.yaml``), plus the job's own ``lr``, ``utility``/``link``
    (system A's task), ``eval_drops`` and ``distributed``."""
    from satjax.train import TrainSettings

    mirrored = []
    for f in dataclasses.fields(TrainSettings):
        if f.name == "seed":
            continue
        if isinstance(f.default, (tuple, list)):
            mirrored.append((f.name, list[str], field(default_factory=lambda d=f.default: list(d))))
        else:
            mirrored.append((f.name, type(f.default), field(default=f.default)))
    own = [("lr", float, field(default=3e-3)), ("utility", str, field(default="sum_rate")),
           ("link", str, field(default="space_ground")), ("eval_drops", int, field(default=128)),
           ("distributed", bool, field(default=False))]      # distributed: jax.distributed.initialize() (multi-host)

    def post_init(self):
        _check(isinstance(self.lr, float) and 0 < self.lr < float("inf"),
               f"trainer.lr must be a finite number > 0, got {self.lr}")
        _check(self.eval_drops >= 1, f"trainer.eval_drops must be >= 1, got {self.eval_drops}")
        self.settings(0)                   # TrainSettings validates every mirrored field (utility, link: system A)

    def settings(self, seed: int):
        """The library's :class:`satjax.train.TrainSettings` (every mirrored field, and ``seed``)."""
        mirrored = {f.name: getattr(self, f.name) for f in dataclasses.fields(TrainSettings) if f.name != "seed"}
        return _library_checked("trainer", TrainSettings, **(mirrored | {"seed": seed, "metrics": tuple(self.metrics)}))

    return dataclasses.make_dataclass("TrainerConfig", mirrored + own, namespace={
        "__post_init__": post_init, "settings": settings, "__module__": __name__,
        "__doc__": "Training loop settings: the fields and defaults of :class:`satjax.train.TrainSettings` "
                   "(but ``seed``) and the job's ``lr``, ``utility``, ``link``, ``eval_drops``, ``distributed``."})


TrainerConfig = _trainer_config()


@dataclass
class EvaluationConfig:
    """Final evaluation (paper A, Table I) on fixed, seeded drops: tau_p = K/2 at every K."""

    k_values: list[int] = field(default_factory=lambda: [20, 30, 40, 50])
    num_drops: int = 200
    seed: int = 2024                   # fixed evaluation set, independent of the training seed
    robust: bool = False               # also train one model per K (GNN-Robust)
    timing_repeats: int = 5
    algorithm1_tol: float = 1e-6
    algorithm1_max_iters: int = 1000

    def __post_init__(self):
        _check(bool(self.k_values) and min(self.k_values) >= 2,
               f"evaluation.k_values must be non-empty integers >= 2 (tau_p = K/2), got {self.k_values}")
        _check(self.num_drops >= 1, f"evaluation.num_drops must be >= 1, got {self.num_drops}")
        _check(self.timing_repeats >= 1, f"evaluation.timing_repeats must be >= 1, got {self.timing_repeats}")
        _check(self.algorithm1_tol > 0, f"evaluation.algorithm1_tol must be > 0, got {self.algorithm1_tol}")
        _check(self.algorithm1_max_iters >= 1,
               f"evaluation.algorithm1_max_iters must be >= 1, got {self.algorithm1_max_iters}")


@dataclass
class PrecodingEvaluationConfig:
    """Final evaluation of a system-B precoder (paper B, Figs. 8-10, 12): every method on a fixed,
    seeded test set of ``num_drops`` channels at the training size (the paper's 1 000), and the
    learned model zero-shot at the user counts ``k_values`` (``zero_shot_drops`` channels each)."""

    num_drops: int = 1000
    k_values: list[int] = field(default_factory=lambda: [4, 8, 12, 16])
    zero_shot_drops: Optional[int] = None          # default min(100, num_drops)
    seed: int = 2024
    timing_repeats: int = 5
    timing_drops: int = 64             # runtimes: batches of this many test channels (Table I batch)
    tol: float = 1e-5                  # Dinkelbach-WMMSE in solve mode (the paper's threshold)
    max_iters: int = 30
    inner_max_iters: int = 200

    def __post_init__(self):
        if self.zero_shot_drops is None:
            self.zero_shot_drops = min(100, self.num_drops)
        for name in ("num_drops", "zero_shot_drops", "timing_repeats", "timing_drops", "max_iters", "inner_max_iters"):
            _check(getattr(self, name) >= 1, f"evaluation.{name} must be >= 1, got {getattr(self, name)}")
        _check(all(k >= 1 for k in self.k_values), f"evaluation.k_values must be integers >= 1, got {self.k_values}")
        _check(self.tol > 0, f"evaluation.tol must be > 0, got {self.tol}")


@dataclass
class UavEvaluationConfig:
    """Final evaluation of a system-C policy: the trained model, Algorithm 3 and the
    ``baselines`` (names of :data:`satjax.uav.POLICIES`) on a fixed, seeded test set of
    ``num_drops`` drops at the training size, and the model zero-shot at the group sizes
    ``k_values`` (users per group, ``zero_shot_drops`` drops each) beside Algorithm 3."""

    num_drops: int = 200
    k_values: list[int] = field(default_factory=lambda: [2, 6, 8])
    zero_shot_drops: Optional[int] = None          # default min(50, num_drops)
    seed: int = 2024
    timing_repeats: int = 3
    timing_drops: int = 64             # runtime per drop of the model: batches of this many test drops, and single
    algorithm3_max_iters: int = 10
    algorithm3_tol: float = 1e-4
    baselines: list[str] = field(default_factory=lambda: ["initial_point", "scheme3", "scheme1", "algorithm6"])

    def __post_init__(self):
        from satjax.uav import POLICIES

        if self.zero_shot_drops is None:
            self.zero_shot_drops = min(50, self.num_drops)
        for name in ("num_drops", "zero_shot_drops", "timing_repeats", "timing_drops", "algorithm3_max_iters"):
            _check(getattr(self, name) >= 1, f"evaluation.{name} must be >= 1, got {getattr(self, name)}")
        _check(all(k >= 1 for k in self.k_values), f"evaluation.k_values must be integers >= 1, got {self.k_values}")
        _check(self.algorithm3_tol > 0, f"evaluation.algorithm3_tol must be > 0, got {self.algorithm3_tol}")
        allowed = sorted(set(POLICIES) - {"algorithm3"})
        bad = [b for b in self.baselines if b not in allowed]
        _check(not bad, f"evaluation.baselines entries must be in {allowed}, got {bad}")


#: Policies of ``evaluation.baselines`` that need N >= K_g (satjax.uav's max-min Algorithm 6: the
#: coverage phase of Algorithm 4 gives every user a subchannel, Property 1).
NEEDS_N_AT_LEAST_K_G = ("algorithm6",)

#: The evaluation schema of each system's main job, by registry name.
EVALUATION_OF_SYSTEM = {"uplink": EvaluationConfig, "downlink": PrecodingEvaluationConfig, "uav": UavEvaluationConfig}


@dataclass
class TrainConfig:
    """The main job, ``python -m experiments.train +exp=NAME``: train a learned policy of either
    system on drops sampled on the fly and compare it with the model-based methods — paper A's
    SHGNN against Algorithm 1 (Table I), a paper-B precoder against Dinkelbach-WMMSE (Figs. 8-12),
    or system C's learned allocation against Algorithm 3.
    The scenario, model and evaluation groups decide the system; they must agree."""

    scenario: Any = None
    model: Any = None
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    evaluation: Any = None
    seed: int = 0
    x64: bool = False

    def __post_init__(self):
        from satjax._checks import check_int_range

        check_int_range("seed", self.seed, 0)
        if self.scenario is None:
            self.scenario = ScenarioAConfig(num_users=30, tau_p=15)
        if self.model is None:
            self.model = MODEL_CONFIGS[DEFAULT_MODEL]()
        if self.evaluation is None:
            self.evaluation = EvaluationConfig()
        system = self.system
        trains_on = model_system(self.model._target_)
        _check(trains_on is not None, f"model._target_ {self.model._target_!r} is not a learned model of any system "
                                      f"(a class of {sorted(REGISTRY.values())})")
        _check(trains_on == system, f"model {type(self.model).__name__} ({self.model._target_}) trains on "
                                    f"scenarios of {_described(trains_on)}, but the scenario is one of "
                                    f"{_described(system)}; pick a matching +exp=")
        want = EVALUATION_OF_SYSTEM[system]
        _check(isinstance(self.evaluation, want), f"evaluation must be {want.__name__} for {_described(system)}, "
                                                  f"got {type(self.evaluation).__name__}")
        if system == "uplink":
            from satjax.uplink import PowerControlTask

            _library_checked("trainer", PowerControlTask.check_settings, utility=self.trainer.utility,
                             link=self.trainer.link)
        for k in self.evaluation.k_values:            # every scenario the evaluation will build, built now
            try:
                self.scenario_params(k)
            except ValueError as err:
                raise ValueError(f"evaluation.k_values: {k} gives an invalid evaluation scenario ({err})") from None
        if system == "uav" and any(b in NEEDS_N_AT_LEAST_K_G for b in self.evaluation.baselines):
            n, k = self.scenario.num_subchannels, self.scenario.users_per_group
            _check(n >= k, f"scenario.num_subchannels (N = {n}) must be >= scenario.users_per_group (K_g = {k}) for "
                           f"evaluation.baselines {[b for b in self.evaluation.baselines if b in NEEDS_N_AT_LEAST_K_G]} "
                           "(Property 1 of paper C); raise N, lower K_g or drop them from evaluation.baselines")

    def scenario_params(self, size: int | None = None):
        """The training scenario's parameters, or those the evaluation builds at the size ``size``
        of ``evaluation.k_values`` (the system's ``System.resize``: the uplink ``K = size`` users
        with ``tau_p = K/2`` (paper A's Table I), the downlink ``K = size`` users, the UAV system
        ``K_g = size`` users per group).

        Args:
            size: the evaluation size (users, or users per group for ``uav``); ``None`` for the
                training scenario.

        Returns:
            The system's validated ``Params``.
        """
        if size is None:
            return self.scenario.to_params()
        return self.scenario.to_params(**self.satjax_system().resize(int(size)))

    @property
    def system(self) -> str:
        """The registry name of the config's system (``"uplink"``, ``"downlink"`` or ``"uav"``;
        ``satjax.systems.REGISTRY``), from the scenario's type (:data:`SCENARIO_CONFIGS`); the
        paper it reproduces is ``satjax_system().paper``.

        Raises:
            ValueError: the scenario is no registered system's scenario config.
        """
        name = next((k for k, cls in SCENARIO_CONFIGS.items() if isinstance(self.scenario, cls)), None)
        if name is not None:
            return name
        known = ", ".join(f"{cls.__name__} ({k})" for k, cls in SCENARIO_CONFIGS.items())
        raise ValueError(f"scenario must be the scenario config of a registered system ({known}), "
                         f"got {type(self.scenario).__name__}")

    def satjax_system(self) -> System:
        """The :class:`satjax.systems.System` of the config's system (:attr:`system`)."""
        return get_system(self.system)


def _described(name: str) -> str:
    """A registry name for humans, with the paper its ``System`` reproduces.

    Args:
        name: a registry name of ``satjax.systems.REGISTRY`` (``"downlink"``).

    Returns:
        ``"system 'downlink' (paper B)"``.
    """
    return f"system {name!r} (paper {get_system(name).paper})"


cs = ConfigStore.instance()
cs.store(name="train_schema", node=TrainConfig)
cs.store(name="energy_efficiency_schema", node=EnergyEfficiencyConfig)

cs.store(name="throughput_cdf_schema", node=ThroughputCdfConfig)
cs.store(name="pilot_length_schema", node=PilotLengthConfig)
cs.store(name="power_control_schema", node=PowerControlConfig)
for _system_name, _scenario_config in SCENARIO_CONFIGS.items():
    cs.store(group="scenario", name=f"scenario_{get_system(_system_name).paper.lower()}_schema", node=_scenario_config)
for _name, _model_config_class in MODEL_CONFIGS.items():
    cs.store(group="model", name=f"{_name}_schema", node=_model_config_class)
cs.store(group="evaluation", name="table1_schema", node=EvaluationConfig)
cs.store(group="evaluation", name="precoding_schema", node=PrecodingEvaluationConfig)
cs.store(group="evaluation", name="uav_schema", node=UavEvaluationConfig)
