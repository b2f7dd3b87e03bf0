r"""A *system* of satjax as one declared unit, and the registry that finds systems by name.

Each system subpackage (``satjax.uplink`` = paper A, ``satjax.downlink`` = paper B,
``satjax.uav`` = paper C) exports one ``SYSTEM``, a ``System`` that names everything the rest of
satjax needs from it: its parameter and scenario classes, its sampler, its training ``Task``,
its policies (one registry style: name -> class, ``policies[name]()`` builds the default), the
reference policy learned models are measured against, the headline metric with its unit, its
learned models, and its iterative algorithms (each run by ``satjax.optim`` in a ``Solve`` or
``Unroll`` mode). The shell (main job, sweeps, figure apps) and the conformance tests work from
this object, never from per-system copies or ``isinstance`` chains.

Adding a fourth system is one folder with a ``SYSTEM`` and one line in ``REGISTRY``;
``check_system`` refuses a declaration that does not provide what ``System`` declares.

Examples:

    >>> import jax, jax.numpy as jnp
    >>> import satjax
    >>> system = satjax.get_system("uplink")
    >>> params = system.params(**system.tiny)
    >>> scenario = system.sample(jax.random.key(0), params)
    >>> reference = system.policy(system.reference)
    >>> metrics = system.task(params).score(reference, system.example(scenario), None)
    >>> system.metric.name, system.metric.unit
    ('sum_mbps', 'Mbit/s')
    >>> bool(metrics[system.metric.name] > 0)
    True
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from satjax.optim.iterate import IterationTrace, Mode
from satjax.params import Params, sample_batch

__all__ = ["DecisionSpec", "Metric", "System", "REGISTRY", "get_system", "system_names", "systems", "check_system"]


@dataclasses.dataclass(frozen=True)
class Metric:
    """A system's headline metric: a key of its task's ``score`` dict, its unit, its direction.

    Attributes:
        name: key in ``task.score(policy, example, key)`` (e.g. ``"sum_mbps"``).
        unit: unit of the reported value (e.g. ``"Mbit/s"``).
        description: one line for tables and plots.
        higher_is_better: ``True`` for rates and efficiencies.
    """

    name: str
    unit: str
    description: str
    higher_is_better: bool = True


@dataclasses.dataclass(frozen=True)
class DecisionSpec:
    """What every policy of a system returns: the *decision*, one name for all three systems.

    A decision is a pytree. Where the decision is one array it is that array (system A: the
    powers ``rho [K]``; system B: the precoders ``B [N_t, K]``), as ``optax`` updates or
    ``jax.grad`` outputs are bare arrays; where it has several parts it is a named
    ``equinox.Module`` (system C: ``UavDecision(x, p, tau)``). The declaration says which, so
    shared code (and a user's own policy) can check a decision against its scenario
    (``System.check_decision``) without knowing the system.

    Attributes:
        description: one line with the symbols, shapes and units (tables, docs, error messages).
        like: ``like(scenario) -> pytree`` of ``jax.ShapeDtypeStruct``: the structure, shapes
            and dtypes of the decision on ``scenario`` (static; works on traced scenarios).
    """

    description: str
    like: Callable[[Any], Any]


#: What an algorithm adapter returns: the decision and the objective trace of the run.
AlgorithmRun = tuple[Any, IterationTrace]


@dataclasses.dataclass(frozen=True)
class System:
    """Everything satjax's shared code needs from one system (see the module docstring).

    Attributes:
        name: registry key, also the subpackage (``"uplink"``).
        paper: the paper the system reproduces (``"A"``, ``"B"``, ``"C"``).
        title: one line.
        docs: the documentation page of the system, relative to the repository root.
        params_class: the ``satjax.params.Params`` subclass of the system's configuration.
        scenario_class: the ``equinox.Module`` class of one drawn drop.
        sample: ``sample(key, params, dtype=None) -> scenario`` (one drop; ``dtype=None`` is the
            dtype of ``params``' physical fields).
        example: ``example(scenario) -> example``: the task's example of a given scenario (what
            ``task.sample`` draws; the scenario itself for B and C, A adds the SISO terms).
        task: ``task(params) -> satjax.train.Task`` with the system's default settings.
        policies: name -> policy class (or factory): ``policies[name]()`` builds the policy with its
            default settings, a ``policy(scenario, key) -> decision``.
        reference: name in ``policies`` of the method learned models are measured against.
        metric: the headline ``Metric`` (a key of the task's ``score``).
        decision: the ``DecisionSpec`` of what every policy, model and algorithm returns.
        models: name -> learned model class (``equinox.Module``, a policy once built).
        algorithms: name -> ``run(scenario, mode) -> (decision, IterationTrace)``: the
            system's iterative algorithms, each one step function run by ``satjax.optim``
            (``Solve`` or ``Unroll``).
        pad_users: ``pad_users(scenario, num_users) -> scenario`` with masked (padded) users
            appended; padded users change nothing for the real ones.
        real_users: ``real_users(decision, num_users) -> decision`` keeps the entries of the
            first ``num_users`` users (the inverse of ``pad_users`` on decisions).
        tiny: static sizes of a tiny instance (tests, smoke runs, examples).
        resize: ``resize(num_users) -> {static field: value}``: the size overrides of the same
            scenario with ``num_users`` users (zero-shot evaluation at other sizes; system A also
            sets its pilot length with the user count, Table I's tau_p = K/2).
        differentiable: ``(policy, field)``: the headline metric of this policy is a smooth
            function of this physical field of ``params_class`` (the gradient checked against
            finite differences by the conformance tests).
    """

    name: str
    paper: str
    title: str
    docs: str
    params_class: type
    scenario_class: type
    sample: Callable[..., Any]
    example: Callable[[Any], Any]
    task: Callable[[Any], Any]
    policies: Mapping[str, Callable[..., Any]]
    reference: str
    metric: Metric
    decision: DecisionSpec
    models: Mapping[str, Callable[..., Any]]
    algorithms: Mapping[str, Callable[[Any, Mode], AlgorithmRun]]
    pad_users: Callable[[Any, int], Any]
    real_users: Callable[[Any, int], Any]
    tiny: Mapping[str, Any]
    resize: Callable[[int], Mapping[str, int]]
    differentiable: tuple[str, str]

    def __post_init__(self):
        for name in ("policies", "models", "algorithms", "tiny"):        # read-only views
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        check_system(self)

    def params(self, **overrides: Any) -> Params:
        """The system's parameters with its defaults and ``overrides`` (validated)."""
        return self.params_class(**overrides)

    def sample_batch(self, key, params: Params, num: int, start: int = 0, dtype=None) -> Any:
        """``num`` drops in one ``vmap``; drop ``i`` uses ``fold_in(key, start + i)``, so the
        drops do not depend on how a sweep is chunked (``satjax.params.sample_batch``)."""
        return sample_batch(self.sample, key, params, num, start, dtype)

    def check_decision(self, decision: Any, scenario: Any, name: str = "decision") -> None:
        """Raise ``ValueError`` unless ``decision`` has the structure, shapes and dtypes that
        ``self.decision.like(scenario)`` declares (a custom policy's output, say); ``name`` is used
        in the message. Checks only static properties, so it also works under ``jit``."""
        expected = self.decision.like(scenario)
        got_tree, want_tree = jax.tree.structure(decision), jax.tree.structure(expected)
        if got_tree != want_tree:
            raise ValueError(f"{name} must be {self.decision.description} (system {self.name!r}); got the pytree "
                             f"{got_tree}, expected {want_tree}")
        for i, (leaf, want) in enumerate(zip(jax.tree.leaves(decision), jax.tree.leaves(expected))):
            shape, dtype = jnp.shape(leaf), jnp.result_type(leaf)
            if shape != want.shape or dtype != want.dtype:
                raise ValueError(f"{name} must be {self.decision.description} (system {self.name!r}); leaf {i} has "
                                 f"shape {shape} and dtype {dtype}, expected {want.shape} and {want.dtype}")

    def policy(self, name: str, **settings: Any):
        """The policy ``name`` built with ``settings`` (``ValueError`` naming the known ones)."""
        if name not in self.policies:
            raise ValueError(f"policy must be one of {sorted(self.policies)} for system {self.name!r}, got {name!r}")
        return self.policies[name](**settings)


def _fail(system_name: str, message: str) -> None:
    raise TypeError(f"system {system_name!r} does not conform to satjax.systems.System: {message}")


def check_system(system: System) -> None:
    """Refuse a declaration that does not provide what ``System`` declares (``TypeError``).

    Checked: names and texts are non-empty strings; ``params_class`` subclasses
    ``satjax.params.Params``; the scenario, policy and model entries are classes; the reference
    is a policy; every callable has the declared arity; ``tiny`` names only static fields of
    ``params_class``; ``differentiable`` names a policy and a physical field.
    """
    name = getattr(system, "name", None)
    if not isinstance(name, str) or not name.isidentifier():
        _fail(str(name), "name must be an identifier string")
    for field in ("paper", "title", "docs"):
        if not isinstance(getattr(system, field), str) or not getattr(system, field):
            _fail(name, f"{field} must be a non-empty string")
    if not (isinstance(system.params_class, type) and issubclass(system.params_class, Params)):
        _fail(name, f"params_class must be a satjax.params.Params subclass, got {system.params_class!r}")
    if not isinstance(system.scenario_class, type):
        _fail(name, f"scenario_class must be a class, got {system.scenario_class!r}")
    if not isinstance(system.metric, Metric):
        _fail(name, f"metric must be a satjax.systems.Metric, got {system.metric!r}")
    if not isinstance(system.decision, DecisionSpec) or not system.decision.description:
        _fail(name, f"decision must be a satjax.systems.DecisionSpec with a description, got {system.decision!r}")
    _check_callable(name, "decision.like", system.decision.like, 1)
    arity = {"sample": 2, "example": 1, "task": 1, "pad_users": 2, "real_users": 2, "resize": 1}
    for field, n in arity.items():
        _check_callable(name, field, getattr(system, field), n)
    for kind in ("policies", "models"):
        for key, cls in getattr(system, kind).items():
            if not isinstance(key, str) or not callable(cls) or isinstance(cls, eqx.Module):
                _fail(name, f"{kind}[{key!r}] must be a class (or a factory) that builds one, got {cls!r}")
    if not system.policies:
        _fail(name, "policies must name at least one policy")
    if system.reference not in system.policies:
        _fail(name, f"reference {system.reference!r} is not one of its policies {sorted(system.policies)}")
    for key, run in system.algorithms.items():
        _check_callable(name, f"algorithms[{key!r}]", run, 2)
    statics = set(system.params_class.static_fields())
    unknown = set(system.tiny) - statics
    if unknown:
        _fail(name, f"tiny names {sorted(unknown)}, which are not static fields of {system.params_class.__name__}")
    resized = system.resize(3)
    if not isinstance(resized, Mapping) or not resized or set(resized) - statics:
        _fail(name, f"resize must map a user count to static fields of {system.params_class.__name__}, got {resized!r}")
    policy, field = system.differentiable
    if policy not in system.policies or field not in system.params_class.physical_fields():
        _fail(name, f"differentiable must be (policy, physical field), got {system.differentiable!r}")


def _check_callable(system_name: str, field: str, fn, n: int) -> None:
    if not callable(fn):
        _fail(system_name, f"{field} must be callable, got {fn!r}")
    try:
        inspect.signature(fn).bind(*range(n))
    except TypeError:
        _fail(system_name, f"{field} must accept {n} positional argument(s), got signature {inspect.signature(fn)}")


#: System name -> the subpackage that exports its ``SYSTEM``. A new system adds one line.
REGISTRY: Mapping[str, str] = MappingProxyType({
    "uplink": "satjax.uplink",
    "downlink": "satjax.downlink",
    "uav": "satjax.uav",
})


def system_names() -> tuple[str, ...]:
    """Names of the registered systems."""
    return tuple(REGISTRY)


def get_system(name: str) -> System:
    """The registered system ``name`` (``ValueError`` naming the registered ones)."""
    if not isinstance(name, str) or name not in REGISTRY:
        raise ValueError(f"system must be one of {list(REGISTRY)}, got {name!r}")
    system = importlib.import_module(REGISTRY[name]).SYSTEM
    if not isinstance(system, System) or system.name != name:
        raise TypeError(f"{REGISTRY[name]}.SYSTEM must be a satjax.systems.System named {name!r}, got {system!r}")
    return system


def systems() -> tuple[System, ...]:
    """Every registered system."""
    return tuple(get_system(n) for n in REGISTRY)
