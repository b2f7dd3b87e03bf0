"""Shared test configuration: strict rank promotion, key and dtype fixtures."""

import jax
import pytest

jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def getkey():
    """A fresh, deterministic PRNG key on every call within a test."""
    counter = iter(range(1_000_000))
    return lambda: jax.random.key(next(counter))
