#!/usr/bin/env bash
# Fetch, on a machine with PyPI, the wheels that a GPU machine without network access lacks to run
# satjax (its image already has jax with CUDA, equinox, optax, chex, flax, orbax, xarray, scipy,
# matplotlib, tqdm, threadpoolctl, pytest): the packages below, for CPython 3.12 on x86-64 Linux,
# into .whl/ (ignored by git). benchmarks/device_check.sh installs them there. The versions are
# the ones this project is tested with; antlr4-python3-runtime comes as a source archive only and is
# built into a wheel here.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .whl
PLATFORMS=(--platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64
           --platform manylinux2014_x86_64 --platform manylinux1_x86_64)
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp "${PLATFORMS[@]}" \
  -d .whl hydra-core==1.3.8 omegaconf==2.3.1 submitit==1.5.4 qpax==0.1.4 zarr==3.1.6 numcodecs==0.16.6 \
  donfig==0.8.1.post1 google-crc32c==1.9.0
python3 -m pip wheel -q --no-deps -w .whl antlr4-python3-runtime==4.9.3
ls .whl
