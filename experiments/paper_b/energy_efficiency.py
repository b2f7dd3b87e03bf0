"""Paper B, Figs. 7, 8, 9, 11, 12, 13: energy efficiency of the precoders and their runtime.

Run: ``python -m experiments.paper_b.energy_efficiency`` (overrides e.g. ``num_drops=100``,
``scenario.snr_convention=link_budget``); with trained models:
``python -m experiments.paper_b.energy_efficiency 'runs=[RUN_DIR,...]'``, each ``RUN_DIR`` a finished
main-job run of a paper-B model (``python -m experiments.train +exp=unfolded_wmmse`` etc.) trained
at this app's scenario (``scenario=paper_b`` by default, ``scenario=paper_b_separated`` for the
preset where the methods separate): a run whose scenario differs in anything but the sizes
(``n_h``, ``n_v``, ``num_users``) is refused, naming the fields. ``figures=[fig13]`` (a subset of
``fig7, fig11, fig12, fig13, fig8_9``) runs only those figures; the EE of every method at the
scenario itself (``defaults`` of ``summary.json``) is always computed.

For every point, ``num_drops`` drops (drop ``i`` from ``fold_in(key, i)``) are solved by
Dinkelbach + WMMSE (EE), sum-rate WMMSE, statistical MRT, the trained models of ``runs`` and, with
instantaneous CSI, MMSE and RZF (rates (7) on ``csi_samples`` (t, f) channel draws per drop).
Fig. 7 adds the Monte Carlo EE (ergodic rate (8)) at the Dinkelbach precoders beside the bound
(9); Fig. 13 feeds every method an estimate with relative error power ``csi_error_dbw`` [dB] (statistical
methods: ``v_k``; instantaneous ones: ``h_k``) and scores it on the truth. The trained models run
zero-shot wherever the size differs from the one they were trained at (EdgeGNN and the deep
unfolding take any N_t and K; linear deep unfolding is built for one size and appears only there).
Writes CSV, JSON and PNG into the Hydra run directory.

Compilation: each EE figure is one compiled program. Figs. 7, 11, 12 and the defaults pad every
point's drops to the figure's largest array and user count (:meth:`PrecodingProblem.pad`: exact,
tested; the learned models take the masks) and solve all points in one ``satjax.optim.solve_batch``
(one drop after another on the CPU); Fig. 7 sweeps the budget inside that program; Fig. 13 maps
over the CSI-error values too. Figs. 8-9 time each size on its own program (that is what they
measure), one channel at a time and batched over ``runtime_batch`` channels (the iterative
solvers through ``solve_batch``, the others one ``vmap``), compile time reported apart.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from omegaconf import DictConfig

from experiments import schema  # noqa: F401  (registers the config schemas)
from experiments.common import hydra_app, output_dir, save_figure, start_app, time_call, write_csv, write_json
from experiments.paper_b.reported import DEFAULTS as PAPER
from satjax.downlink import (
    channel_response,
    dinkelbach_wmmse,
    energy_efficiency,
    ergodic_rate_monte_carlo,
    estimated_channel,
    mmse_precoder,
    rate,
    regularized_zero_forcing,
    sample_downlink_scenario,
    statistical_mrt,
    transmit_power,
    wmmse,
)
from satjax.optim import Solve, solve_batch

#: Scenarios per vectorized chunk inside the one compiled program of a figure
#: (``satjax.optim.solve_batch``: a chunk of while loops runs to its slowest member; "default" is
#: one scenario after another on the CPU, each solver stopping at its own iteration count).
BATCH = "default"

#: Labels of the trained models, by class name.
LABELS = {"UnfoldedDinkelbachWMMSE": "GNN deep unfolding", "EdgeGNN": "edge GNN",
          "LinearUnfoldedWMMSE": "linear deep unfolding"}


class Learned(NamedTuple):
    """A trained model of a main-job run and the size it was trained at."""

    model: eqx.Module
    nt: int
    k: int
    size_specific: bool          # built for one (N_t, K) only (linear deep unfolding)


#: Scenario fields a trained model may differ in from the figures' scenario (it runs zero-shot there).
SIZE_FIELDS = ("n_h", "n_v", "num_users")


def load_learned(runs, scenario=None) -> dict[str, Learned]:
    """The trained models of finished main-job runs, by column name (``deep_unfolding`` ...).
    With ``scenario`` (the figures' scenario config), a run trained at a scenario that differs in
    anything but :data:`SIZE_FIELDS` is refused with a ``ValueError`` naming the fields."""
    from experiments.paper_b.generalization import load_run

    out = {}
    for run in runs:
        run_cfg, model = load_run(Path(run))
        if scenario is not None:
            ours, theirs = dataclasses.asdict(scenario), dataclasses.asdict(run_cfg.scenario)
            differ = [k for k in ours if k not in SIZE_FIELDS and ours[k] != theirs.get(k)]
            if differ:
                raise ValueError(f"runs: {run} was trained at another scenario than the figures' ("
                                 + ", ".join(f"scenario.{k}: {theirs.get(k)!r} there, {ours[k]!r} here" for k in differ)
                                 + "): pass the run's scenario, e.g. scenario=paper_b_separated")
        p = run_cfg.scenario.to_params()
        name = LABELS.get(type(model).__name__, type(model).__name__).replace("GNN ", "").replace(" ", "_").lower()
        if name in out:
            raise ValueError(f"runs: two runs of {type(model).__name__} ({run}); pass one run per model")
        out[name] = Learned(model, p.num_antennas, p.num_users, hasattr(model, "num_users"))
    return out


def _label(name: str, learned: dict[str, Learned]) -> str:
    return LABELS.get(type(learned[name].model).__name__, name)


def _drops(cfg, params, salt: int):
    key = jax.random.fold_in(jax.random.key(cfg.seed), salt)
    keys = jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(cfg.num_drops))
    return jax.vmap(lambda k: sample_downlink_scenario(k, params))(keys)


def _pad_scenario(scen, nt: int, k: int):
    """A batch of drops (leading axis) padded to ``nt`` antennas and ``k`` users: zero channels,
    masks set (exact, see PrecodingProblem.pad); the path amplitudes of padded users are zero, so
    their channels :func:`channel_response` are zero too."""
    def users(x):                                            # [D, K, ...]: pad the user axis
        return jnp.pad(x, [(0, 0), (0, k - x.shape[1])] + [(0, 0)] * (x.ndim - 2))

    fields = lambda s: (s.alpha, s.nu_sat, s.tau_min, s.nu_ut, s.tau_ut, s.user_pos)   # noqa: E731
    scen = eqx.tree_at(fields, scen, tuple(users(x) for x in fields(scen)))
    return eqx.tree_at(lambda s: s.problem, scen, jax.vmap(lambda p: p.pad(nt, k))(scen.problem))


def _padded(scen, nt, k):
    """Drops padded to ``nt`` antennas and ``k`` users: their problems and path amplitudes."""
    s = _pad_scenario(scen, nt, k)
    return s.problem, s.alpha


def _modes(cfg):
    return dict(mode=Solve(tol=cfg.tol, max_iters=cfg.max_iters), inner=Solve(tol=cfg.tol, max_iters=cfg.inner_max_iters))


def instantaneous_ee(scen, key, samples: int, error_variance=0.0) -> jax.Array:
    """``[2]`` EE [bit/J] of MMSE and RZF (``δ = 0.1 K N_0/P_max``) designed on the estimate
    ``ĥ = h + e`` (:func:`estimated_channel`, relative error ``error_variance``) at full power,
    scored by the instantaneous rates (7) on the true ``h``, averaged over ``samples`` (t, f) draws.
    Exact for padded drops (``K`` counts the real users only; padded users have zero channels)."""
    p = scen.problem
    kt, kf, ke = jax.random.split(key, 3)
    ts = jax.random.uniform(kt, (samples,), maxval=1.0)
    fs = jax.random.uniform(kf, (samples,), minval=-0.5, maxval=0.5) * p.bandwidth_hz
    k_real = jnp.sum(p.users)
    mmse_reg = k_real * p.noise_w / p.p_max_w                      # mmse_precoder's δ = K N_0 / P_max, real K

    def sample(t, f, k):
        h = channel_response(scen, t, f)
        h_hat = estimated_channel(k, h, p.gamma, error_variance)
        bs = (regularized_zero_forcing(h_hat, p.p_max_w, mmse_reg), regularized_zero_forcing(h_hat, p.p_max_w, 0.1 * mmse_reg))
        return jnp.stack([energy_efficiency(p, b, sum_rate=jnp.sum(rate(h, b, p.noise_w))) for b in bs])

    return jax.vmap(sample)(ts, fs, jax.random.split(ke, samples)).mean(0)     # same power every sample


def _methods_one(cfg, agnostic: dict):
    """Every method on one (padded) drop: EE [bit/J] of each, Dinkelbach iterations and power."""
    key = jax.random.key(cfg.seed + 2)

    def one(args):
        i, scen, models = args
        problem = scen.problem
        b_ee, ee, trace = dinkelbach_wmmse(problem, **_modes(cfg))
        b_sr, _ = wmmse(problem, mode=Solve(tol=cfg.tol, max_iters=cfg.inner_max_iters))
        inst = instantaneous_ee(scen, jax.random.fold_in(key, i), cfg.csi_samples)
        out = dict(dinkelbach=ee, wmmse=energy_efficiency(problem, b_sr),
                   mrt=energy_efficiency(problem, statistical_mrt(problem.v, problem.p_max_w)),
                   mmse_instantaneous=inst[0], rzf_instantaneous=inst[1],
                   iters=trace.num_iters, power=transmit_power(b_ee))
        for name, model in models.items():
            out[name] = energy_efficiency(problem, model.precoders(problem))
        return out
    return one


EE_COLUMNS = ("dinkelbach", "wmmse", "mrt", "mmse_instantaneous", "rzf_instantaneous")


def model_based_points(cfg, point_params: list, salt: int, learned: dict[str, Learned] | None = None) -> list[dict]:
    """Mean EE [Mbit/J] of every method at every point (a list of DownlinkParams, any sizes), all
    points in one compiled program. Size-agnostic trained models run at every point (zero-shot
    where the size differs from their training size); a size-specific one only at its own size."""
    learned = learned or {}
    agnostic = {n: m.model for n, m in learned.items() if not m.size_specific}
    scens = [_drops(cfg, p, salt) for p in point_params]
    nt = max(p.num_antennas for p in point_params)
    k = max(p.num_users for p in point_params)
    padded = jax.tree.map(lambda *xs: jnp.concatenate(xs), *[_pad_scenario(s, nt, k) for s in scens])
    index = jnp.tile(jnp.arange(cfg.num_drops), len(point_params))
    one = _methods_one(cfg, agnostic)
    prog = eqx.filter_jit(lambda xs, models: solve_batch(lambda a: one((*a, models)), xs, batch_size=BATCH))
    out = prog((index, padded), agnostic)
    out = jax.tree.map(lambda x: np.asarray(x).reshape(len(point_params), cfg.num_drops), out)
    scale = {name: 1e6 for name in (*EE_COLUMNS, *agnostic)}
    rows = [{name: float(np.mean(v[i]) / scale.get(name, 1)) for name, v in out.items()} for i in range(len(point_params))]
    for name, m in learned.items():                          # built for one size: evaluated there only
        if not m.size_specific:
            continue
        for row, p, s in zip(rows, point_params, scens):
            row[name] = (float(np.mean(jax.jit(jax.vmap(lambda q: energy_efficiency(q, m.model.precoders(q))))(s.problem)))
                         / 1e6 if (p.num_antennas, p.num_users) == (m.nt, m.k) else float("nan"))
    return rows


def fig7(cfg) -> list[dict]:
    """EE vs P_max: bound (9) and Monte Carlo (8) at the Dinkelbach precoders. The budget is swept
    inside the program (it is an array field of the problem); configurations are padded."""
    configs = [cfg.scenario.to_params(n_h=n_h, n_v=n_v, num_users=k) for n_h, n_v, k in cfg.fig7_configs]
    nt = max(p.num_antennas for p in configs)
    kmax = max(p.num_users for p in configs)
    padded = [_padded(_drops(cfg, p, 7), nt, kmax) for p in configs]
    problems, alpha = jax.tree.map(lambda *xs: jnp.stack(xs), *padded)              # [C, D, ...]
    p_max = jnp.asarray(cfg.p_max_values, problems.p_max_w.dtype)
    key_mc = jax.random.key(cfg.seed + 1)

    def one(args):
        i, problem, a, pm = args
        problem = eqx.tree_at(lambda q: q.p_max_w, problem, pm)
        b, ee, _ = dinkelbach_wmmse(problem, **_modes(cfg))
        mc = ergodic_rate_monte_carlo(jax.random.fold_in(key_mc, i), b, problem.v, a, problem.noise_w,
                                      num_samples=cfg.mc_samples)
        return ee, energy_efficiency(problem, b, sum_rate=jnp.sum(mc))

    c, d, npm = len(configs), cfg.num_drops, p_max.shape[0]
    flat = (jnp.tile(jnp.repeat(jnp.arange(d), npm), c),                            # drop index of each entry
            jax.tree.map(lambda x: jnp.repeat(x, npm, axis=1).reshape(c * d * npm, *x.shape[2:]), problems),
            jnp.repeat(alpha, npm, axis=1).reshape(c * d * npm, *alpha.shape[2:]),
            jnp.tile(p_max, c * d))
    ee, ee_mc = jax.jit(lambda xs: solve_batch(one, xs, batch_size=BATCH))(flat)
    ee = np.asarray(ee).reshape(c, d, npm).mean(1) / 1e6
    ee_mc = np.asarray(ee_mc).reshape(c, d, npm).mean(1) / 1e6
    return [dict(nt=p.num_antennas, k=p.num_users, p_max_w=float(pm), ee_bound=float(ee[j, i]),
                 ee_monte_carlo=float(ee_mc[j, i])) for j, p in enumerate(configs) for i, pm in enumerate(cfg.p_max_values)]


def fig13(cfg, learned: dict[str, Learned] | None = None) -> list[dict]:
    """EE vs channel-estimation error (``fig13_config``: N_t = 64, K = 9 as in the paper). The error
    power is a ratio, not a power (D100): ``csi_error_dbw`` (named after the paper's axis) holds
    ``σ_e² / |[v_k]_n|²`` in dB, the error relative to a unit-modulus entry of the array response;
    the channel's power gain per antenna is ``γ_k`` on top (reported as ``mean_gamma_db``; under
    the free-space link budget of ``snr_convention=link_budget`` about −148 to −150 dB, so the
    absolute error gain is ``σ_e²`` [dB] + ``10 log10 γ_k``): ``ε = 10^(σ_e²/10)``.
    Statistical-CSI methods (Dinkelbach-WMMSE, WMMSE, the trained models) get
    ``v̂_k = v_k + e_k``, ``e_k ~ CN(0, ε I)``, and are scored by bound (9) on the true ``v``;
    MMSE/RZF get ``ĥ_k = h_k + e_k``, ``e_k ~ CN(0, ε γ_k I)`` (the same relative error), full
    power, instantaneous rates on ``h`` (:func:`instantaneous_ee`). ``ε = 0`` is the first row. The
    error values are mapped over in the same program: one program for the figure."""
    learned = learned or {}
    n_h, n_v, k = cfg.fig13_config
    params = cfg.scenario.to_params(n_h=n_h, n_v=n_v, num_users=k)
    scen = _drops(cfg, params, 13)
    agnostic = {n: m.model for n, m in learned.items() if not m.size_specific}
    key = jax.random.key(cfg.seed + 2)

    def one(i, s, eps, models):
        p = s.problem
        k_inst, k_v = jax.random.split(jax.random.fold_in(key, i))
        noise = jax.random.normal(k_v, p.v.shape, p.v.dtype)                          # CN(0, 1)
        p_hat = eqx.tree_at(lambda q: q.v, p, p.v + jnp.sqrt(eps).astype(p.v.dtype) * noise)
        inst = instantaneous_ee(s, k_inst, cfg.csi_samples, eps)
        out = dict(mmse_instantaneous=inst[0], rzf_instantaneous=inst[1],
                   dinkelbach=energy_efficiency(p, dinkelbach_wmmse(p_hat, **_modes(cfg))[0]),
                   wmmse=energy_efficiency(p, wmmse(p_hat, mode=Solve(tol=cfg.tol, max_iters=cfg.inner_max_iters))[0]))
        for name, model in models.items():
            out[name] = energy_efficiency(p, model.precoders(p_hat))
        return out

    dbw = np.asarray(cfg.csi_error_dbw, float)
    eps = jnp.asarray(np.concatenate([[0.0], 10 ** (dbw / 10)]), scen.problem.p_max_w.dtype)
    index = jnp.arange(cfg.num_drops)
    prog = eqx.filter_jit(lambda e, models: solve_batch(lambda ee: solve_batch(
        lambda a: one(a[0], a[1], ee, models), (index, scen), batch_size=BATCH), e, batch_size=BATCH))
    out = {n: np.asarray(v).mean(1) / 1e6 for n, v in prog(eps, agnostic).items()}          # [E]
    gamma_db = float(10 * np.log10(np.mean(np.asarray(scen.problem.gamma))))
    return [dict(nt=n_h * n_v, k=k, error_dbw=float(d), error_variance=float(e), mean_gamma_db=gamma_db,
                 **{n: float(v[j]) for n, v in out.items()})
            for j, (d, e) in enumerate(zip([-np.inf, *dbw], np.asarray(eps)))]


def runtime(cfg, learned: dict[str, Learned] | None = None) -> list[dict]:
    """Figs. 8-9: time per channel, one channel at a time and batched over ``runtime_batch``
    channels (jitted; compile time apart, ``block_until_ready``): Dinkelbach-WMMSE and WMMSE
    (solve mode), statistical MMSE, and the size-agnostic trained models."""
    rows = []
    points = [(8, 8, k) for k in cfg.runtime_k_values] + [(n, n, 9) for n in cfg.runtime_side_values]
    modes = _modes(cfg)
    fns = {"dinkelbach_wmmse": lambda m, q: dinkelbach_wmmse(q, **modes)[0],
           "wmmse": lambda m, q: wmmse(q, mode=modes["inner"])[0],
           "mmse": lambda m, q: mmse_precoder(q.v, q.p_max_w, q.noise_w)}
    models = {n: m.model for n, m in (learned or {}).items() if not m.size_specific}
    fns.update({n: (lambda m, q: m.precoders(q)) for n in models})
    for n_h, n_v, k in points:
        params = cfg.scenario.to_params(n_h=n_h, n_v=n_v, num_users=k)
        batch = _drops(cfg, params, 89).problem
        batch = jax.tree.map(lambda x: x[:cfg.runtime_batch], batch) if cfg.runtime_batch < cfg.num_drops else batch
        n = batch.v.shape[0]
        one = jax.tree.map(lambda x: x[0], batch)
        row = dict(nt=n_h * n_v, k=k, batch=n)
        for name, f in fns.items():
            model = models.get(name)
            single = time_call(eqx.filter_jit(f), model, one, repeats=cfg.timing_repeats)
            strategy = "map" if name in ("dinkelbach_wmmse", "wmmse") else "vmap"       # Solve-mode loops: mapped
            batched = time_call(eqx.filter_jit(lambda m, q, f=f, s=strategy: solve_batch(lambda x: f(m, x), q, strategy=s)),
                                model, batch,
                                repeats=cfg.timing_repeats, per=n)
            row[f"{name}_ms"] = single["per_scenario_ms"]
            row[f"{name}_batched_ms"] = batched["per_scenario_ms"]
            row[f"{name}_compile_s"] = max(single["first_call_s"] - single["median_s"], 0.0)
        rows.append(row)
    return rows


def _plot(rows, x, ys, xlabel, title, path, logx=False, ylabel="EE [Mbit/J]", logy=False):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for y, label, style in ys:
        groups = {}
        for r in rows:
            groups.setdefault(r.get("group", ""), []).append(r)
        for g, rs in groups.items():
            pts = [(r[x], r[y]) for r in rs if y in r and np.isfinite(r[y])]
            if pts:
                ax.plot(*zip(*pts), style, label=f"{label} {g}".strip())
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def _rows_csv(path, rows):
    header = list(dict.fromkeys(k for r in rows for k in r))
    return write_csv(path, header, [[r.get(h, float("nan")) for h in header] for r in rows])


def _ee_methods(learned: dict[str, Learned]) -> list[tuple[str, str, str]]:
    """(column, label, style) of every EE curve: paper B's six methods plus sum-rate WMMSE and MRT."""
    methods = [("mmse_instantaneous", "MMSE (instantaneous CSI)", "v-"), ("rzf_instantaneous", "RZF (instantaneous CSI)", "<-"),
               ("dinkelbach", "Dinkelbach + WMMSE", "o-"), ("wmmse", "sum-rate WMMSE", "s--"),
               ("mrt", "statistical MRT", "^:")]
    styles = iter(["D-", "P-", "X-", "*-"])
    return methods + [(n, _label(n, learned), next(styles)) for n in learned]


@hydra_app(config_path="../../conf", config_name="energy_efficiency")
def main(cfg: DictConfig) -> None:
    config = start_app(cfg)
    learned = load_learned(config.runs, config.scenario)
    out = output_dir()
    results = {"paper": PAPER, "figures": list(config.figures),
               "learned": {n: dict(model=type(m.model).__name__, trained_at_nt=m.nt, trained_at_k=m.k,
                                   run=str(r)) for (n, m), r in zip(learned.items(), config.runs)}}
    t_start = time.perf_counter()

    def progress(what):
        print(f"[{time.perf_counter() - t_start:6.1f} s] {what}", flush=True)

    progress(f"paper B figures {', '.join(config.figures)}: {config.num_drops} drops per point; trained models: "
             f"{', '.join(f'{n} (N_t = {m.nt}, K = {m.k})' for n, m in learned.items()) or 'none (runs=[])'}")
    methods = _ee_methods(learned)
    if "fig7" in config.figures:
        rows7 = fig7(config)
        progress("Fig. 7 (EE vs budget, bound and Monte Carlo) done")
        for r in rows7:
            r["group"] = f"Nt={r['nt']}, K={r['k']}"
        _rows_csv(out / "fig7_ee_vs_pmax.csv", rows7)
        _plot(rows7, "p_max_w", [("ee_bound", "bound (9)", "o-"), ("ee_monte_carlo", "Monte Carlo (8)", "x--")],
              "P_max [W]", "Fig. 7: EE vs power budget", out / "fig7_ee_vs_pmax.png", logx=True)
        results["fig7"] = rows7

    if "fig11" in config.figures:
        points11 = [config.scenario.to_params(n_h=side, n_v=side) for side in config.nt_side_values]
        rows11 = [dict(nt=p.num_antennas, **m) for p, m in zip(points11, model_based_points(config, points11, 11, learned))]
        progress("Fig. 11 (EE vs antennas) done")
        _rows_csv(out / "fig11_ee_vs_nt.csv", rows11)
        _plot(rows11, "nt", methods, "N_t", f"Fig. 11: EE vs antennas (K = {points11[0].num_users})",
              out / "fig11_ee_vs_nt.png")
        results["fig11"] = rows11

    if "fig12" in config.figures:
        points12 = [config.scenario.to_params(num_users=k) for k in config.k_values]
        rows12 = [dict(k=p.num_users, **m) for p, m in zip(points12, model_based_points(config, points12, 12, learned))]
        progress("Fig. 12 (EE vs users) done")
        _rows_csv(out / "fig12_ee_vs_k.csv", rows12)
        trained_k = sorted({m.k for m in learned.values()})
        _plot(rows12, "k", methods, "K", f"Fig. 12: EE vs users (N_t = {points12[0].num_antennas}"
              + (f"; models trained at K = {trained_k}, zero-shot elsewhere)" if learned else ")"), out / "fig12_ee_vs_k.png")
        results["fig12"] = rows12

    if "fig13" in config.figures:
        rows13 = fig13(config, learned)
        progress("Fig. 13 (EE vs CSI error) done")
        _rows_csv(out / "fig13_ee_vs_csi_error.csv", rows13)
        curves13 = [m for m in methods if m[0] in rows13[0] and m[0] != "mrt"]
        _plot([r for r in rows13 if np.isfinite(r["error_dbw"])], "error_dbw", curves13,
              f"estimation error power relative to a channel entry, σ_e²/|[v_k]_n|² [dB] (mean γ_k {rows13[0]['mean_gamma_db']:.1f} dB)",
              f"Fig. 13: EE vs CSI error (N_t = {rows13[0]['nt']}, K = {rows13[0]['k']})", out / "fig13_ee_vs_csi_error.png")
        results["fig13"] = rows13

    if "fig8_9" in config.figures:
        rows89 = runtime(config, learned)
        progress("Figs. 8-9 (runtimes) done")
        _rows_csv(out / "fig8_fig9_runtime.csv", rows89)
        names = ["dinkelbach_wmmse", "wmmse", "mmse", *[n for n, m in learned.items() if not m.size_specific]]
        label = {"dinkelbach_wmmse": "Dinkelbach + WMMSE", "wmmse": "WMMSE", "mmse": "statistical MMSE",
                 **{n: _label(n, learned) for n in learned}}
        timing = [(f"{n}_ms", f"{label[n]} (single)", "o-") for n in names] + \
                 [(f"{n}_batched_ms", f"{label[n]} (batched)", "x--") for n in names]
        _plot([r for r in rows89 if r["nt"] == 64], "k", timing, "K (N_t = 64)", "Fig. 8: runtime vs users",
              out / "fig8_runtime_vs_k.png", ylabel="time per channel [ms]", logy=True)
        _plot([r for r in rows89 if r["k"] == 9], "nt", timing, "N_t (K = 9)", "Fig. 9: runtime vs antennas",
              out / "fig9_runtime_vs_nt.png", ylabel="time per channel [ms]", logy=True)
        results["fig8_fig9_runtime"] = rows89
    results.update(defaults=model_based_points(config, [config.scenario.to_params()], 10, learned)[0],
                   wall_s=time.perf_counter() - t_start)
    write_json(out / "summary.json", results)
    progress(f"EE at the scenario (Table I by default) [Mbit/J]: {results['defaults']}; outputs in {out}")


if __name__ == "__main__":
    main()
