"""Shared test configuration: XLA CPU flags, strict rank promotion, key and dtype fixtures."""

from experiments.xla_env import configure_xla_cpu

configure_xla_cpu()  # before any JAX computation: see experiments/xla_env.py

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def getkey():
    """A fresh, deterministic PRNG key on every call within a test."""
    counter = iter(range(1_000_000))
    return lambda: jax.random.key(next(counter))
