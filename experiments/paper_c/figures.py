"""Paper C, Figs. 2-9: convergence of Algorithms 3 and 6, overall / minimum efficiency
against I_th for Algorithms 3, 6 and Schemes 1-3, coverage maps per subchannel, and against the
number of UAVs L and of subchannels N for several energy budgets E; and (beyond the paper)
``energy_ith``: Algorithm 3's overall and Algorithm 6's minimum efficiency over the grid E x I_th,
with where the energy (14e) and the interference (14b) constraints bind.

Run: ``python -m experiments.paper_c.figures`` (overrides e.g. ``num_drops=20``,
``figures=[fig3_4]``, ``scenario.num_rx_antennas=2``, ``scenario.p_max_w=0.2``; every field of
:class:`satjax.uav.UavParams` is a ``scenario.`` key). Writes CSV and PNG into the Hydra run
directory. Every point averages ``num_drops`` drops (drop i from ``fold_in(key, i)``); Fig. 5
(coverage maps per subchannel) is one drop in one slot. The paper's numbers are blank in our source: the scenario defaults
are the spec's placeholders (docs/paper-c.md, D60).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig

from experiments.common import hydra_app, load_config, output_dir, save_figure, set_precision, write_csv
from experiments.schema import ScenarioCConfig
from experiments.xla_env import configure_entry_point

FIGURES = ("fig2", "fig3_4", "fig5", "fig6_7", "fig8_9", "energy_ith")


@dataclass
class PaperCConfig:
    seed: int = 0
    num_drops: int = 5
    max_iters: int = 5
    figures: list = field(default_factory=lambda: list(FIGURES))
    i_th_dbm: list = field(default_factory=lambda: [-130.0, -120.0, -110.0, -100.0])
    energy_j: list = field(default_factory=lambda: [20.0, 40.0, 80.0])
    l_values: list = field(default_factory=lambda: [2, 4, 6, 8])
    n_values: list = field(default_factory=lambda: [4, 8, 12, 16])
    coverage_threshold_dbm: float = -100.0       # Fig. 5: served if the received power exceeds it
    coverage_half_width_m: float = 3000.0         # Fig. 5: map extent around the group's centre
    coverage_grid_points: int = 121               # Fig. 5: points per map axis
    grid_energy_j: list = field(default_factory=lambda: [5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0])   # energy_ith
    grid_i_th_dbm: list = field(default_factory=lambda: [-140.0, -130.0, -120.0, -110.0, -100.0, -90.0])  # energy_ith
    binding_tolerance: float = 0.01               # energy_ith: a constraint binds within this share of its limit
    scenario: ScenarioCConfig = field(default_factory=ScenarioCConfig)   # every field of UavParams
    x64: bool = True

    def __post_init__(self):
        bad = [f for f in self.figures if f not in FIGURES]
        if bad:
            raise ValueError(f"figures must be a subset of {FIGURES}, got {bad}")
        if self.num_drops < 1 or self.max_iters < 1:
            raise ValueError(f"num_drops and max_iters must be >= 1, got {self.num_drops}, {self.max_iters}")
        if not self.coverage_half_width_m > 0:
            raise ValueError(f"coverage_half_width_m must be > 0, got {self.coverage_half_width_m}")
        if self.coverage_grid_points < 2:
            raise ValueError(f"coverage_grid_points must be >= 2, got {self.coverage_grid_points}")
        if not 0 < self.binding_tolerance < 1:
            raise ValueError(f"binding_tolerance must be in (0, 1), got {self.binding_tolerance}")
        for e in [*self.energy_j, *self.grid_energy_j]:     # the library's check names scenario.energy_j
            self.scenario.to_params(energy_j=e)
        for i_th in [*self.i_th_dbm, *self.grid_i_th_dbm]:
            self.scenario.to_params(interference_threshold_dbm=i_th)


ConfigStore.instance().store(name="paper_c_schema", node=PaperCConfig)


def _drops(config, **changes):
    """The ``num_drops`` drops of a point as one batched ``UavScenario`` (leading axis; drop i from
    ``fold_in(key, i)``)."""
    from satjax.uav import sample_uav_scenario

    params = config.scenario.to_params(**changes)
    key = jax.random.key(config.seed)
    dtype = jnp.float64 if config.x64 else jnp.float32
    return jax.vmap(lambda i: sample_uav_scenario(jax.random.fold_in(key, i), params, dtype))(jnp.arange(config.num_drops))


@eqx.filter_jit
def _solve_batch(name: str, batch, max_iters: int):
    """Algorithm 3 / 6 (``name`` "alg3" / "alg6") on every drop of ``batch``: one
    ``satjax.optim.solve_batch`` call (each drop stops at its own iteration count), compiled once
    per (name, shapes, max_iters)."""
    from satjax.optim import Solve, solve_batch
    from satjax.uav import algorithm3, algorithm6

    fn = {"alg3": algorithm3, "alg6": algorithm6}[name]
    return solve_batch(lambda s: fn(s, mode=Solve(tol=1e-4, max_iters=max_iters)), batch)


@eqx.filter_jit
def _methods_scores(batch, max_iters: int):
    """Mean overall and minimum efficiency of Algorithms 3, 6 and Schemes 1-3 over the drops of
    ``batch``, every method batched: ``{name: (overall, minimum)}``. Scheme 2 with both
    enforcements of (14b) (``scheme2``: muting, the default; ``scheme2_scale``: one common
    factor), Scheme 3 with both subchannel rules (``scheme3``: ref. [41]; ``scheme3_best_user``);
    Scheme 2's free-space plan is computed once for both."""
    from satjax.optim import Solve, solve_batch
    from satjax.uav import algorithm3, algorithm6, min_efficiency, overall_efficiency, run_scheme
    from satjax.uav.baselines import enforce_interference

    mode = Solve(tol=1e-4, max_iters=max_iters)

    def one(s):
        r3, r6 = algorithm3(s, mode=mode), algorithm6(s, mode=mode)
        out = {"alg3": (r3.x, r3.p, r3.tau), "alg6": (r6.x, r6.p, r6.tau), "scheme1": run_scheme("scheme1", s, mode=mode)}
        plan = run_scheme("scheme2", s, mode=mode, on_violation="none")
        out["scheme2"] = enforce_interference(s, *plan, on_violation="mute")
        out["scheme2_scale"] = enforce_interference(s, *plan, on_violation="scale")
        out["scheme3"] = run_scheme("scheme3", s)
        out["scheme3_best_user"] = run_scheme("scheme3", s, subchannel_rule="best_user")
        return {k: (overall_efficiency(s, *v), min_efficiency(s, *v)) for k, v in out.items()}

    per = solve_batch(one, batch)                   # each drop's solvers stop at their own counts
    return {k: (jnp.mean(o), jnp.mean(m)) for k, (o, m) in per.items()}


@eqx.filter_jit
def _limits_scores(batch, max_iters: int, tolerance: float):
    """Over the drops of ``batch``: mean overall efficiency of Algorithm 3 and minimum efficiency of
    Algorithm 6, and for each the share of drops where the energy (14e) / the interference (14b)
    constraint binds (some residual within ``tolerance`` of its limit):
    ``{name: (efficiency, energy_binds, interference_binds)}``."""
    from satjax.optim import Solve, solve_batch
    from satjax.uav import algorithm3, algorithm6, constraint_residuals

    mode = Solve(tol=1e-4, max_iters=max_iters)

    def one(s):
        out = {}
        for name, fn in (("alg3", algorithm3), ("alg6", algorithm6)):
            r = fn(s, mode=mode)
            res = constraint_residuals(s, r.x, r.p, r.tau)
            out[name] = (r.objective, jnp.max(res["energy"]) > -tolerance, jnp.max(res["interference"]) > -tolerance)
        return out

    per = solve_batch(one, batch)                   # each drop's solvers stop at their own counts
    return {k: tuple(jnp.mean(jnp.asarray(v, batch.lam.dtype)) for v in vals) for k, vals in per.items()}


def fig2(config, out):
    """Objective per outer iteration of Algorithms 3 and 6, one curve per drop."""
    import matplotlib.pyplot as plt

    rows, fig, axes = [], *plt.subplots(1, 2, figsize=(9, 3.5))
    drops = _drops(config)
    for ax, name in zip(axes, ("alg3", "alg6")):
        sol = _solve_batch(name, drops, config.max_iters)
        for i in range(config.num_drops):
            hist = [float(v) for v in sol.trace.objective[i, :int(sol.trace.num_iters[i]) + 1]]
            rows += [(name, i, t, v) for t, v in enumerate(hist)]
            ax.plot(range(len(hist)), hist, marker="o", label=f"drop {i}")
    for ax, title in zip(axes, ("Algorithm 3: overall efficiency", "Algorithm 6: minimum efficiency")):
        ax.set(xlabel="outer iteration", ylabel="bit/Hz", title=title)
    axes[0].legend(fontsize=7)
    write_csv(out / "fig2_convergence.csv", ["algorithm", "drop", "iteration", "objective_bit_per_hz"], rows)
    save_figure(fig, out / "fig2_convergence.png")
    return rows


def fig3_4(config, out):
    """Mean overall (Fig. 3) and minimum (Fig. 4) efficiency against I_th, every method."""
    import matplotlib.pyplot as plt

    from satjax.units import dbm_to_watt

    drops = _drops(config)
    rows = []
    for i_th in config.i_th_dbm:                     # I_th is an array field: one compiled program for every value
        i_th_w = float(dbm_to_watt(i_th))
        batch = jax.vmap(lambda s, w=i_th_w: s.with_limits(interference_threshold_w=w))(drops)
        means = _methods_scores(batch, config.max_iters)
        rows += [(i_th, name, float(o), float(m)) for name, (o, m) in means.items()]
    write_csv(out / "fig3_4_vs_ith.csv", ["i_th_dbm", "method", "overall_bit_per_hz", "minimum_bit_per_hz"], rows)
    for col, fname, ylabel in ((2, "fig3_overall_vs_ith.png", "overall efficiency [bit/Hz]"),
                               (3, "fig4_minimum_vs_ith.png", "minimum efficiency [bit/Hz]")):
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for name in dict.fromkeys(r[1] for r in rows):
            pts = [(r[0], r[col]) for r in rows if r[1] == name]
            ax.plot(*zip(*pts), marker="o", label=name)
        ax.set(xlabel="I_th [dBm]", ylabel=ylabel)
        ax.legend(fontsize=7)
        save_figure(fig, out / fname)
    return rows


def fig5(config, out):
    """Fig. 5: coverage per subchannel after Algorithm 6 in one slot (the drop of ``seed`` with
    G = 1): the median received power [dBm] on a grid around the group (``satjax.uav.coverage``),
    the served region (>= ``coverage_threshold_dbm``) outlined, UAVs (filled where they transmit
    on the subchannel) and users (stars where the subchannel is theirs) marked. Rows: per
    subchannel, the UAVs transmitting, their total power, the served share of the map, and the
    received power at the users it is assigned to."""
    import matplotlib.pyplot as plt

    from satjax.optim import Solve
    from satjax.uav import algorithm6, coverage_grid, received_power_w, sample_uav_scenario, subchannel_frequencies_hz
    from satjax.units import watt_to_dbm

    params = config.scenario.to_params(num_groups=1)
    dtype = jnp.float64 if config.x64 else jnp.float32
    s = sample_uav_scenario(jax.random.key(config.seed), params, dtype)
    r = algorithm6(s, mode=Solve(tol=1e-4, max_iters=config.max_iters))
    p, x = np.asarray(r.p[0]), np.asarray(r.x[0])                                   # [L, N], [K, N]
    uavs, users = np.asarray(s.uav_pos[0]), np.asarray(s.user_pos[0])
    center = np.concatenate([uavs[:, :2], users[:, :2]]).mean(axis=0)
    grid, xs, ys = coverage_grid(jnp.asarray(center, dtype), config.coverage_half_width_m, config.coverage_grid_points)
    dbm = np.asarray(watt_to_dbm(received_power_w(params, s.uav_pos[0], p, grid)))              # [ny, nx, N]
    at_users = np.asarray(watt_to_dbm(received_power_w(params, s.uav_pos[0], p, users[:, :2])))   # [K, N]
    thr, n = config.coverage_threshold_dbm, params.num_subchannels
    freqs = np.asarray(subchannel_frequencies_hz(params.carrier_hz, params.subchannel_bandwidth_hz, n))
    rows = []
    for j in range(n):
        on = p[:, j] > 0
        assigned = np.flatnonzero(x[:, j] > 0.5)
        total = float(watt_to_dbm(p[:, j].sum()))
        rows.append((j, freqs[j] / 1e6, int(on.sum()), total, float(np.mean(dbm[..., j] >= thr)),
                     " ".join(map(str, assigned)), float(at_users[assigned, j].min()) if assigned.size else float("nan")))
    write_csv(out / "fig5_coverage.csv", ["subchannel", "frequency_mhz", "transmitting_uavs", "total_power_dbm",
                                          "served_fraction", "assigned_users", "min_rx_at_assigned_dbm"], rows)

    cols = min(4, n)
    fig, axes = plt.subplots(-(-n // cols), cols, figsize=(3.2 * cols + 1.2, 3.0 * -(-n // cols)), squeeze=False,
                             sharex=True, sharey=True, layout="constrained")
    finite = dbm[np.isfinite(dbm)]
    vmax = float(finite.max()) if finite.size else thr + 1.0
    vmin = min(thr - 30.0, vmax - 1.0)
    extent = [float(xs[0]) / 1e3, float(xs[-1]) / 1e3, float(ys[0]) / 1e3, float(ys[-1]) / 1e3]
    for j, ax in enumerate(axes.flat):
        if j >= n:
            ax.axis("off")
            continue
        img = ax.imshow(np.clip(dbm[..., j], vmin, vmax), origin="lower", extent=extent, vmin=vmin, vmax=vmax,
                        cmap="viridis", aspect="equal")
        if np.nanmax(dbm[..., j]) >= thr > np.nanmin(dbm[..., j]):
            ax.contour(np.asarray(xs) / 1e3, np.asarray(ys) / 1e3, dbm[..., j], levels=[thr], colors="w", linewidths=1)
        on = p[:, j] > 0
        ax.scatter(uavs[on, 0] / 1e3, uavs[on, 1] / 1e3, marker="^", c="red", edgecolors="k", s=40, label="UAV on n")
        ax.scatter(uavs[~on, 0] / 1e3, uavs[~on, 1] / 1e3, marker="^", facecolors="none", edgecolors="r", s=40,
                   label="UAV off n")
        mine = x[:, j] > 0.5
        ax.scatter(users[~mine, 0] / 1e3, users[~mine, 1] / 1e3, marker="o", c="w", edgecolors="k", s=18, label="user")
        ax.scatter(users[mine, 0] / 1e3, users[mine, 1] / 1e3, marker="*", c="orange", edgecolors="k", s=90,
                   label="user on n")
        ax.set_title(f"subchannel {j}: {100 * rows[j][4]:.0f} % served", fontsize=9)
        if j % cols == 0:
            ax.set_ylabel("y [km]")
        if j >= n - cols:
            ax.set_xlabel("x [km]")
    axes.flat[0].legend(fontsize=6, loc="upper left")
    fig.colorbar(img, ax=axes, shrink=0.9,
                 label=f"received power [dBm] (median, white: {thr:g} dBm)")
    save_figure(fig, out / "fig5_coverage.png")
    return rows


def _sweep(config, out, field_name, values, stem, xlabel):
    import matplotlib.pyplot as plt

    rows = []
    for e in config.energy_j:
        for v in values:
            drops = _drops(config, energy_j=e, **{field_name: int(v)})
            a3 = float(jnp.mean(_solve_batch("alg3", drops, config.max_iters).objective))
            a6 = float(jnp.mean(_solve_batch("alg6", drops, config.max_iters).objective))
            rows.append((e, v, a3, a6))
    write_csv(out / f"{stem}.csv", ["energy_j", field_name, "alg3_overall_bit_per_hz", "alg6_minimum_bit_per_hz"], rows)
    for col, suffix, ylabel in ((2, "overall", "overall efficiency (Alg. 3)"), (3, "minimum", "minimum efficiency (Alg. 6)")):
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for e in config.energy_j:
            pts = [(r[1], r[col]) for r in rows if r[0] == e]
            ax.plot(*zip(*pts), marker="o", label=f"E = {e:g} J")
        ax.set(xlabel=xlabel, ylabel=ylabel + " [bit/Hz]")
        ax.legend(fontsize=7)
        save_figure(fig, out / f"{stem}_{suffix}.png")
    return rows


def fig6_7(config, out):
    """Overall (Fig. 6, Alg. 3) and minimum (Fig. 7, Alg. 6) efficiency against L, several E."""
    return _sweep(config, out, "num_uavs", config.l_values, "fig6_7_vs_uavs", "UAVs L")


def fig8_9(config, out):
    """Overall (Fig. 8) and minimum (Fig. 9) efficiency against N, several E."""
    return _sweep(config, out, "num_subchannels", config.n_values, "fig8_9_vs_subchannels", "subchannels N")


def energy_ith(config, out):
    """Beyond the paper: Algorithm 3's overall and Algorithm 6's minimum efficiency over the grid
    ``grid_energy_j`` x ``grid_i_th_dbm`` (same drops at every point), with the share of drops
    where energy (14e) and interference (14b) bind, and at each point the relative gain from
    doubling E and from raising I_th by one grid step: which resource limits the network where."""
    import matplotlib.pyplot as plt

    from satjax.units import dbm_to_watt

    drops = _drops(config)
    l = config.scenario.num_uavs
    es, ths = list(config.grid_energy_j), list(config.grid_i_th_dbm)
    table = {}                                                   # (alg, i_e, i_t) -> (value, e_binds, i_binds)
    for i_e, e in enumerate(es):
        for i_t, i_th in enumerate(ths):
            w = float(dbm_to_watt(i_th))
            batch = jax.vmap(lambda s, w=w, e=e: s.with_limits(interference_threshold_w=w, energy_per_uav_j=e / l))(drops)
            for name, vals in _limits_scores(batch, config.max_iters, config.binding_tolerance).items():
                table[name, i_e, i_t] = tuple(float(v) for v in vals)

    def gain(name, i_e, i_t, d_e, d_t):
        nxt = table.get((name, i_e + d_e, i_t + d_t))
        return nxt[0] / table[name, i_e, i_t][0] - 1 if nxt and table[name, i_e, i_t][0] > 0 else float("nan")

    rows = [(e, i_th, name, *table[name, i_e, i_t], gain(name, i_e, i_t, 1, 0), gain(name, i_e, i_t, 0, 1))
            for name in ("alg3", "alg6") for i_e, e in enumerate(es) for i_t, i_th in enumerate(ths)]
    write_csv(out / "energy_ith.csv", ["energy_j", "i_th_dbm", "algorithm", "efficiency_bit_per_hz",
                                       "energy_binds_share", "interference_binds_share", "gain_next_energy",
                                       "gain_next_i_th"], rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    for ax, name, title in zip(axes, ("alg3", "alg6"), ("Algorithm 3: overall efficiency",
                                                        "Algorithm 6: minimum efficiency")):
        grid = np.array([[table[name, i_e, i_t][0] for i_t in range(len(ths))] for i_e in range(len(es))])
        img = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        for i_e in range(len(es)):
            for i_t in range(len(ths)):
                _, e_b, i_b = table[name, i_e, i_t]
                mark = ("E" if e_b >= 0.5 else "") + ("I" if i_b >= 0.5 else "")
                ax.text(i_t, i_e, f"{grid[i_e, i_t] / 1e3:.3g}k\n{mark}", ha="center", va="center", fontsize=7,
                        color="w" if grid[i_e, i_t] < grid.max() * 0.6 else "k")
        ax.set_xticks(range(len(ths)), [f"{t:g}" for t in ths])
        ax.set_yticks(range(len(es)), [f"{e:g}" for e in es])
        ax.set(xlabel="I_th [dBm]", ylabel="E = sum_l E_l [J]", title=title)
        fig.colorbar(img, ax=ax, label="bit/Hz")
    fig.suptitle("E / I: energy / interference constraint binds on most drops", fontsize=9)
    save_figure(fig, out / "energy_ith.png")
    return rows


def run(config: PaperCConfig, out):
    """Every figure of ``config.figures`` into the folder ``out``; returns their rows by name."""
    set_precision(config.x64)
    fns = {"fig2": fig2, "fig3_4": fig3_4, "fig5": fig5, "fig6_7": fig6_7, "fig8_9": fig8_9, "energy_ith": energy_ith}
    return {name: fns[name](config, out) for name in config.figures}


@hydra_app(config_path="../../conf", config_name="paper_c")
def main(cfg: DictConfig) -> None:
    configure_entry_point()
    config = load_config(cfg)
    run(config, output_dir())


if __name__ == "__main__":
    main()
