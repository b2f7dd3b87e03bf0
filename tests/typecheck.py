"""Running satjax as a user does: without the suite's run-time type checker.

The suite checks every annotated satjax function with jaxtyping + beartype
(``--jaxtyping-packages`` in pyproject.toml): a wrong shape or dtype at a public function raises
the checker's ``TypeCheckError`` (a ``TypeError`` naming the parameter and the annotated shape)
before the function runs. A user's program has no such checker, so what a user sees for the
same input is the function's own ``ValueError`` at its boundary. Tests of those errors run the
call inside :func:`as_a_user`; one test per system (``tests/uplink/test_validation.py``,
``tests/downlink/test_validation.py``, ``tests/uav/test_coverage.py``) checks that the checker
rejects the same inputs, naming the parameter, so both paths are tested
(:func:`refused_by_checker_and_function`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import jaxtyping
import pytest


@contextlib.contextmanager
def as_a_user() -> Iterator[None]:
    """Switch the run-time type checker off for the enclosed calls (``jaxtyping_disable``, read at
    each call), and back to what it was after."""
    before = jaxtyping.config.jaxtyping_disable
    jaxtyping.config.update("jaxtyping_disable", True)
    try:
        yield
    finally:
        jaxtyping.config.update("jaxtyping_disable", before)


def refused_by_checker_and_function(call: Callable[[], object], param: str, user_match: str) -> None:
    """``call()`` is refused both ways: in the suite by the run-time checker's ``TypeCheckError``
    naming ``param``, before the function runs; as a user (:func:`as_a_user`) by the function's own
    ``ValueError`` matching ``user_match``."""
    with pytest.raises(jaxtyping.TypeCheckError, match=rf"parameter '{param}'"):
        call()
    with pytest.raises(ValueError, match=user_match), as_a_user():
        call()
