"""satjax.nn: the generic layers (masked mean), and its place in the import graph — below the
systems, importing none of them (the learned models live with their system)."""

import ast
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import pytest

from satjax.nn import MLP, Dense, masked_mean
from satjax.nn.layers import check_key, check_one_input, parameter_dtype

ROOT = Path(__file__).resolve().parents[2]
SYSTEMS = ("satjax.uplink", "satjax.downlink", "satjax.uav")


def _satjax_imports(source: str, package: str) -> set[str]:
    """The satjax modules (or module attributes) that ``source``, a module of ``package``, imports,
    absolute or relative."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1] + [node.module or ""]) if node.level else node.module
            base = base.strip(".")
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)       # `from satjax import uav` imports a module
    return {n for n in names if n == "satjax" or n.startswith("satjax.")}


def _imports_of(path: Path) -> set[str]:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = module.removesuffix(".__init__") if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    return _satjax_imports(path.read_text(), package)


def _source(module: str) -> Path | None:
    path = ROOT.joinpath(*module.split("."))
    if (path / "__init__.py").exists():
        return path / "__init__.py"
    return path.with_suffix(".py") if path.with_suffix(".py").exists() else None


def test_nn_imports_no_system():
    """Every satjax module reachable from satjax/nn's own imports (transitively; the top-level
    ``satjax/__init__`` that Python runs first is not nn's import) is outside the systems."""
    seen, todo = set(), [p for p in (ROOT / "satjax" / "nn").glob("*.py")]
    reached = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports_of(path):
            if name == "satjax":
                continue
            reached.add(name)
            src = _source(name)
            if src is not None:
                todo.append(src)
    bad = sorted(n for n in reached if n.startswith(SYSTEMS) and _source(n) is not None)
    assert not bad, f"satjax.nn imports system modules: {bad}"
    assert "satjax._types" in reached                                  # the walk does see nn's imports


def test_import_walk_detects_a_system_import():
    """The walk above is not vacuous: absolute, attribute and relative imports of a system are seen."""
    assert "satjax.uav.algorithms" in _imports_of(ROOT / "satjax" / "uav" / "models.py")
    assert "satjax.uplink" in _satjax_imports("from satjax import uplink", "satjax.nn")
    assert "satjax.downlink.models" in _satjax_imports("from ..downlink import models", "satjax.nn")
    assert "satjax.uav" in _satjax_imports("from .. import uav", "satjax.nn")
    assert "satjax.uav" in _satjax_imports("import satjax.uav as c", "satjax.nn")


def test_masked_mean():
    x = jnp.arange(12.0).reshape(3, 4)
    mask = jnp.array([True, False, True, False])
    np.testing.assert_allclose(masked_mean(x, mask[None, :], axis=1), x[:, ::2].mean(1))
    np.testing.assert_array_equal(masked_mean(x, jnp.zeros((1, 4), bool), axis=1), 0.0)
    g = jax.grad(lambda v: masked_mean(v, mask[None, :], axis=1).sum())(x)
    assert np.all(g[:, 1::2] == 0) and np.all(np.isfinite(g))


def test_dense_and_mlp_on_any_leading_axes():
    """The layers act on the last axis only: a [2, 3, F] input equals the rows one at a time."""
    dense, mlp = Dense(4, 5, key=jax.random.key(0)), MLP(4, 8, 3, key=jax.random.key(1))
    x = jax.random.normal(jax.random.key(2), (2, 3, 4))
    np.testing.assert_allclose(dense(x)[1, 2], x[1, 2] @ dense.weight + dense.bias, rtol=1e-6)
    np.testing.assert_allclose(mlp(x)[1, 2], mlp(x[1, 2][None])[0], rtol=1e-6)
    assert Dense(4, 5, key=jax.random.key(0), bias=False).bias is None


def test_mlp_activation():
    x = jax.random.normal(jax.random.key(3), (5, 4))
    relu, silu = MLP(4, 8, 3, key=jax.random.key(1)), MLP(4, 8, 3, key=jax.random.key(1), activation=jax.nn.silu)
    row = jax.nn.silu(x[2] @ silu.inner.weight + silu.inner.bias) @ silu.outer.weight + silu.outer.bias
    np.testing.assert_allclose(silu(x)[2], row, rtol=1e-5)
    assert not np.allclose(relu(x), silu(x))                                  # same weights, another activation


def test_boundary_helpers_name_the_argument():
    assert parameter_dtype("float64") == jnp.float64
    with pytest.raises(ValueError, match=r"dtype must be one of \('float32', 'float64'\), got float16"):
        Dense(2, 2, key=jax.random.key(0), dtype=jnp.float16)
    with pytest.raises(ValueError, match="dtype must be one of .* got 'nonsense'"):
        parameter_dtype("nonsense")
    check_key("key", jax.random.key(0))
    check_key("key", jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="key must be one PRNG key"):
        check_key("key", jax.random.split(jax.random.key(0), 2))
    with pytest.raises(ValueError, match=r"thing must be a mod.Dense for one drop \(use jax.vmap for a batch\), "
                                         r"got thing.weight of shape \(3, 2, 2\), expected \[i, o\]: 1 extra"):
        check_one_input("thing", jax.vmap(lambda k: Dense(2, 2, key=k))(jax.random.split(jax.random.key(0), 3)),
                        Dense, "mod.Dense", leaf="weight", axes="i o")
