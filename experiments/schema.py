"""Structured (dataclass) config schemas, registered in Hydra's ConfigStore.

Every override is type-checked by OmegaConf during composition and range-checked in
``__post_init__`` (which runs in ``OmegaConf.to_object``), before any JAX work starts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from hydra.core.config_store import ConfigStore

from satjax.uplink import UplinkParams


@dataclass
class ScenarioAConfig:
    """System-A scenario; field names and units match :class:`satjax.uplink.UplinkParams`."""

    num_aps: int = 40
    num_users: int = 20
    area_side_m: float = 4_000.0
    ap_height_m: float = 15.0
    user_height_m: float = 1.5
    sat_position_m: list[float] = field(default_factory=lambda: [300e3, 300e3, 400e3])
    n_v: int = 5
    n_h: int = 5
    carrier_hz: float = 3e9
    bandwidth_hz: float = 20e6
    noise_figure_ap_db: float = 1.2
    noise_figure_sat_db: float = 4.0
    gain_ap_dbi: float = 10.0
    gain_user_dbi: float = 10.0
    gain_sat_dbi: float = 16.0
    shadowing_ap_db: float = 8.0
    sat_environment: str = "dense_urban"
    rician_k_db: float = 10.0
    sat_angular_spread: float = 0.02
    p_max_w: float = 0.2
    pilot_power_w: float = 0.2
    tau_p: int = 10
    tau_c: int = 10_000

    def __post_init__(self):
        self.to_params()  # the library's validation names the offending parameter

    def to_params(self, **overrides) -> UplinkParams:
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["sat_position_m"] = tuple(float(x) for x in values["sat_position_m"])
        values.update(overrides)
        try:
            return UplinkParams(**values)
        except ValueError as err:
            raise ValueError(f"scenario.{err}") from None


def _positive_int(name, value, lo=1):
    if value < lo:
        raise ValueError(f"{name} must be >= {lo}, got {value}")


@dataclass
class ThroughputCdfConfig:
    """Figs. 3-4 of paper A: CDFs of per-user and sum throughput for the three links."""

    scenario: ScenarioAConfig = field(default_factory=ScenarioAConfig)
    seed: int = 0
    num_drops: int = 200
    mc_drops: int = 20
    mc_samples: int = 1_000
    x64: bool = False

    def __post_init__(self):
        _positive_int("num_drops", self.num_drops)
        _positive_int("mc_drops", self.mc_drops, 0)
        _positive_int("mc_samples", self.mc_samples)
        if self.mc_drops > self.num_drops:
            raise ValueError(f"mc_drops must be <= num_drops ({self.num_drops}), got {self.mc_drops}")


@dataclass
class PilotLengthConfig:
    """Figs. 5-6 of paper A: throughput versus pilot length for several coherence lengths."""

    scenario: ScenarioAConfig = field(default_factory=lambda: ScenarioAConfig(num_users=10))
    seed: int = 0
    num_drops: int = 100
    tau_p_values: list[int] = field(default_factory=lambda: [1, 2, 4, 6, 8, 10, 15, 20, 30, 40, 60, 80, 100])
    tau_c_values: list[int] = field(default_factory=lambda: [200, 10_000, 100_000])
    x64: bool = False

    def __post_init__(self):
        _positive_int("num_drops", self.num_drops)
        if not self.tau_p_values or min(self.tau_p_values) < 1:
            raise ValueError(f"tau_p_values must be non-empty integers >= 1, got {self.tau_p_values}")
        if not self.tau_c_values or min(self.tau_c_values) <= max(self.tau_p_values):
            raise ValueError(f"every tau_c in tau_c_values must exceed max(tau_p_values) = {max(self.tau_p_values)}")


@dataclass
class PowerControlConfig:
    """Figs. 7-10 of paper A: Algorithm 1 convergence, CDF against baselines, scheduled users."""

    scenario: ScenarioAConfig = field(default_factory=ScenarioAConfig)
    seed: int = 0
    k_values: list[int] = field(default_factory=lambda: [20, 30, 40, 50])
    num_drops: int = 200
    cdf_k: int = 30
    pg_drops: int = 50
    pg_starts: int = 8
    pg_steps: int = 500
    tol: float = 1e-6
    max_iters: int = 1000
    fig7_iters: int = 40
    x64: bool = False

    def __post_init__(self):
        _positive_int("num_drops", self.num_drops)
        _positive_int("pg_drops", self.pg_drops, 0)
        _positive_int("pg_starts", self.pg_starts)
        _positive_int("pg_steps", self.pg_steps)
        _positive_int("max_iters", self.max_iters)
        _positive_int("fig7_iters", self.fig7_iters)
        if not self.k_values or min(self.k_values) < 2:
            raise ValueError(f"k_values must be non-empty integers >= 2 (tau_p = K/2), got {self.k_values}")
        if self.cdf_k not in self.k_values:
            raise ValueError(f"cdf_k must be one of k_values {self.k_values}, got {self.cdf_k}")
        if self.pg_drops > self.num_drops:
            raise ValueError(f"pg_drops must be <= num_drops ({self.num_drops}), got {self.pg_drops}")
        if not self.tol > 0:
            raise ValueError(f"tol must be > 0, got {self.tol}")


cs = ConfigStore.instance()
cs.store(name="throughput_cdf_schema", node=ThroughputCdfConfig)
cs.store(name="pilot_length_schema", node=PilotLengthConfig)
cs.store(name="power_control_schema", node=PowerControlConfig)
cs.store(group="scenario", name="scenario_a_schema", node=ScenarioAConfig)
