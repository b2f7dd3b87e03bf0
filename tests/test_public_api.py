"""The public API of every registered system is typed and documented.

Every function a system subpackage exports (its ``__all__``; a ``jax.custom_jvp`` counts as the
function it wraps) annotates every parameter and its return, and its docstring has an ``Args:``
section naming each parameter and a ``Returns:`` section; every array it takes or returns has
a jaxtyping dtype and shape (``Float[ArrayLike, "K"]``, a key ``PRNGKeyArray``), never a bare
``ArrayLike``, so the suite's run-time checker (jaxtyping + beartype) checks it. The systems come
from the registry, so a fourth system is covered as soon as it is registered. No JAX computation
runs here.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing

import jax
import jaxtyping
import numpy as np
import pytest

from satjax.systems import REGISTRY, system_names

NAMES = system_names()


def _public_functions(module_name: str) -> dict[str, object]:
    """name -> plain function of every function (or custom_jvp-wrapped function) in ``__all__``."""
    module = importlib.import_module(module_name)
    out = {}
    for name in module.__all__:
        obj = getattr(module, name)
        if isinstance(obj, (jax.custom_jvp, jax.custom_vjp)):
            obj = obj.fun
        if inspect.isfunction(obj):
            out[name] = inspect.unwrap(obj)
    return out


def _section(doc: str, title: str) -> str | None:
    """The body of a Google-style section (``Args:``), up to the next unindented line."""
    match = re.search(rf"^{title}:\n((?:[ \t]+.*\n|\n)*)", doc + "\n", re.MULTILINE)
    return None if match is None else match.group(1)


#: A bare array type, and the same inside a jaxtyping dtype (``Float[ArrayLike, "K"]``).
_BARE_ARRAY = re.compile(r"\b(?:ArrayLike|Array|ndarray)\b")
_SHAPED_ARRAY = re.compile(r"\b[A-Z]\w*\[\s*(?:ArrayLike|Array|np\.ndarray|ndarray)\s*,")


def _bare(tp) -> bool:
    """Whether a resolved type holds an array type (``jax.Array``, ``np.ndarray``) outside a
    jaxtyping dtype-and-shape class."""
    if tp in (jax.Array, np.ndarray):
        return True
    if isinstance(tp, type) and issubclass(tp, jaxtyping.AbstractArray):
        return False
    return any(_bare(arg) for arg in typing.get_args(tp))


def _unshaped(annotation, namespace: dict | None = None) -> bool:
    """Whether an annotation names an array type without a jaxtyping dtype and shape: in its text
    (``ArrayLike``), or through a module-level alias it names (``_Decision = ArrayLike | ...``),
    resolved in ``namespace`` (the function's globals)."""
    text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
    if len(_BARE_ARRAY.findall(text)) > len(_SHAPED_ARRAY.findall(text)):
        return True
    namespace = namespace or {}
    aliases = [namespace.get(name) for name in re.findall(r"\b[A-Za-z_]\w*\b", text)
               if not _BARE_ARRAY.fullmatch(name)]                                  # those: by the text above
    return any(typing.get_origin(alias) is not None and _bare(alias) for alias in aliases)


def _problems(fn) -> list[str]:
    sig = inspect.signature(fn)
    doc = inspect.getdoc(fn) or ""
    problems = [f"parameter {p!r} is not annotated" for p, v in sig.parameters.items()
                if v.annotation is inspect.Parameter.empty]
    problems += [f"parameter {p!r} is an array without a shape: {v.annotation}" for p, v in sig.parameters.items()
                 if v.annotation is not inspect.Parameter.empty and _unshaped(v.annotation, fn.__globals__)]
    if sig.return_annotation is inspect.Signature.empty:
        problems.append("the return is not annotated")
    elif _unshaped(sig.return_annotation, fn.__globals__):
        problems.append(f"the return is an array without a shape: {sig.return_annotation}")
    if not doc.strip():
        return problems + ["no docstring"]
    if sig.parameters:
        args = _section(doc, "Args")
        if args is None:
            problems.append("no Args: section")
        else:
            documented = set(re.findall(r"^\s{0,8}\**(\w+)(?: \(.*?\))?:", args, re.MULTILINE))
            problems += [f"parameter {p!r} missing from Args:" for p in sig.parameters if p not in documented]
    if _section(doc, "Returns") is None:
        problems.append("no Returns: section")
    return problems


def test_every_registered_system_is_covered():
    assert set(NAMES) == set(REGISTRY) and len(NAMES) >= 3
    for name in NAMES:
        assert len(_public_functions(REGISTRY[name])) > 0, name


@pytest.mark.parametrize("name", NAMES)
def test_every_public_function_is_annotated_and_documented(name):
    functions = _public_functions(REGISTRY[name])
    problems = {fname: p for fname, fn in functions.items() if (p := _problems(fn))}
    assert not problems, f"{REGISTRY[name]}: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(problems.items()))


def test_the_check_can_fail():
    def undocumented(a, b: int):
        """One line only."""

    def unshaped(a: ArrayLike, b: Float[ArrayLike, "K"], c: PRNGKeyArray) -> tuple[Float[Array, "K"], Array]:  # noqa: F821
        """Summary.

        Args:
            a: first.
            b: second.
            c: key.

        Returns:
            two.
        """

    def documented(a: int, *, b: int = 0) -> int:
        """Summary.

        Args:
            a: first.

        Returns:
            a.
        """
        return a

    assert _problems(undocumented) == ["parameter 'a' is not annotated", "the return is not annotated",
                                       "no Args: section", "no Returns: section"]
    assert _problems(documented) == ["parameter 'b' missing from Args:"]
    _Alias = jaxtyping.ArrayLike | list  # noqa: N806
    assert _unshaped("_Alias", {"_Alias": _Alias}) and not _unshaped("_Alias", {"_Alias": jaxtyping.Float[jaxtyping.ArrayLike, "K"] | list})
    assert _problems(unshaped) == ["parameter 'a' is an array without a shape: ArrayLike",
                                   "the return is an array without a shape: tuple[Float[Array, 'K'], Array]"]
