"""The policy protocol shared by every system: ``policy(scenario, key) -> decision``.

A *policy* maps one scenario of some system and a PRNG key to that system's decision: uplink
powers ``[K]`` for system A (``satjax.uplink.policies``), precoders ``[N_t, K]`` for system B
(``satjax.downlink.policies``), allocations ``UavDecision(x, p, tau)`` for system C
(``satjax.uav.policies``; learned: ``satjax.uav.UavGNN``). Classical algorithms, baselines and
learned models share the signature, so evaluation, figures, training and benchmarks treat them
alike. Policies are Equinox modules: settings are static fields (hashable, one compilation per
setting), learned parameters are array leaves. A policy works on one scenario — ``vmap`` it for a
batch, with one key per scenario (``jax.random.fold_in(key, index)`` for batch-size
independence). Deterministic policies ignore the key (and accept ``None``).
"""

from __future__ import annotations

from typing import Protocol, TypeVar, runtime_checkable

from satjax._types import PRNGKeyArray

__all__ = ["Policy"]

ScenarioT = TypeVar("ScenarioT", contravariant=True)
DecisionT = TypeVar("DecisionT", covariant=True)


@runtime_checkable
class Policy(Protocol[ScenarioT, DecisionT]):
    """Anything mapping ``(scenario, key)`` to a decision of the scenario's system."""

    def __call__(self, scenario: ScenarioT, key: PRNGKeyArray | None) -> DecisionT: ...
