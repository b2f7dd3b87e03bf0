"""What the trainer trains on: the ``Task`` protocol.

A task turns a PRNG key into one training example (a scenario drawn from the physics, plus
anything the loss needs that does not depend on the model), and scores a model or any policy on
an example. The trainer never looks inside examples, so it trains any model on any task of any
system: ``satjax.uplink.PowerControlTask`` (paper A), ``satjax.downlink.PrecodingTask``
(paper B), ...
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from satjax._types import ArrayLike, Float, PRNGKeyArray

__all__ = ["Task"]


@runtime_checkable
class Task(Protocol):
    """A training objective over examples drawn from a key.

    ``sample(key)`` returns one example (a PyTree of arrays); ``loss(model, example)`` the scalar
    to minimize; ``score(policy, example, key)`` a dict of scalar evaluation metrics for any
    policy (learned or not). All three are pure and work on one example; the trainer ``vmap``s.
    """

    def sample(self, key: PRNGKeyArray) -> Any: ...

    def loss(self, model: Any, example: Any) -> Float[ArrayLike, ""]: ...

    def score(self, policy: Any, example: Any, key: PRNGKeyArray) -> dict[str, Float[ArrayLike, ""]]: ...
