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
