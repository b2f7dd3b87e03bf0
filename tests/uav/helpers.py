"""Shared tiny configurations of system C for the tests."""

import jax
import jax.numpy as jnp

from satjax.uav import UavParams, sample_uav_scenario

TINY = UavParams(num_uavs=2, num_groups=2, users_per_group=2, num_sat_users=2, num_subchannels=3, num_rx_antennas=2)


def tiny_scenario(seed=0, params=TINY):
    with jax.enable_x64(True):
        return sample_uav_scenario(jax.random.key(seed), params, jnp.float64)
