"""The entry points turn off XLA:CPU multi-threaded Eigen unless the user chose otherwise."""

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
