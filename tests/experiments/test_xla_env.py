"""The entry points turn off XLA:CPU multi-threaded Eigen and run BLAS/OpenMP single-threaded, unless the
user chose otherwise."""

import os
import subprocess
import sys


def _flags_after_configure(env_flags):
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    if env_flags is not None:
        env["XLA_FLAGS"] = env_flags
    code = ("import os; from experiments.xla_env import configure_entry_point; configure_entry_point(); "
            "print(os.environ.get('XLA_FLAGS', ''))")
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()


def test_flag_added():
    assert _flags_after_configure(None) == "--xla_cpu_multi_thread_eigen=false"
    assert _flags_after_configure("--xla_force_host_platform_device_count=4") == (
        "--xla_force_host_platform_device_count=4 --xla_cpu_multi_thread_eigen=false")


def test_user_choice_kept():
    assert _flags_after_configure("--xla_cpu_multi_thread_eigen=true") == "--xla_cpu_multi_thread_eigen=true"


def _threads_after_configure(openblas):
    """(environment, BLAS thread counts) of a fresh process after ``configure_entry_point``, which
    also loads jaxlib's LAPACK kernels (SciPy's OpenBLAS) by inverting a matrix."""
    from experiments.xla_env import THREAD_VARIABLES

    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    if openblas is not None:
        env["OPENBLAS_NUM_THREADS"] = openblas
    code = ("import os, json; from experiments.xla_env import configure_entry_point, THREAD_VARIABLES; "
            "configure_entry_point(); import jax.numpy as jnp; jnp.linalg.inv(jnp.eye(3) + 1).block_until_ready(); "
            "from threadpoolctl import threadpool_info; "
            "print(json.dumps([{v: os.environ.get(v) for v in THREAD_VARIABLES}, "
            "[i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas']]))")
    import json

    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_every_entry_point_runs_blas_single_threaded_unless_the_user_chose():
    env, threads = _threads_after_configure(None)
    assert env == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}   # for children
    assert threads and all(n == 1 for n in threads), threads                                       # this process
    env, _ = _threads_after_configure("2")
    assert env["OPENBLAS_NUM_THREADS"] == "2"


def test_every_command_line_entry_point_configures_its_process():
    """Every module with a ``__main__`` guard under ``experiments/``, ``benchmarks/`` and
    ``examples/`` that imports JAX (directly or through satjax) calls ``configure_entry_point``
    (examples through ``examples._util.start``, the Hydra figure apps through
    ``experiments.common.start_app``) — so the README's "satjax's own entry points set
    the thread counts for you" holds for each of them. Read from the source (no process started)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    jax_users, missing = [], []
    for folder in ("experiments", "benchmarks", "examples"):
        for path in sorted((root / folder).rglob("*.py")):
            source = path.read_text()
            tree = ast.parse(source)
            guarded = any(isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) for node in tree.body)
            if not guarded and path.name != "__main__.py":
                continue
            imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
            if not any(m == "jax" or m.startswith(("jax.", "satjax", "experiments.runner", "experiments.paper",
                                                     "experiments.sweep", "benchmarks.suites")) for m in imported):
                continue                                  # renders files only (e.g. benchmarks/report.py)
            jax_users.append(path.relative_to(root).as_posix())
            calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
            if not calls & {"configure_entry_point", "start", "start_app", "xla_env.configure_entry_point"}:
                missing.append(path.relative_to(root).as_posix())
    assert len(jax_users) >= 15, jax_users
    assert not missing, f"entry points that do not call configure_entry_point: {missing}"
