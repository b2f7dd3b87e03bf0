"""Paper A, Figs. 5-6: average per-user and sum throughput versus the pilot length tau_p, for
tau_c in {200, 10 000, 100 000}, K = 10, all users at full power.

Run: ``python -m experiments.paper_a.pilot_length``. Pilot ``k mod tau_p``: tau_p < K reuses
pilots, tau_p >= K gives orthogonal pilots; SINR depends on tau_p, the pre-log on tau_c.
"""

from __future__ import annotations

import jax
import numpy as np
from omegaconf import DictConfig

from experiments import schema  # noqa: F401
from experiments.common import hydra_app, output_dir, save_figure, start_app, write_csv, write_json
from experiments.paper_a.reported import FIGS_5_6 as PAPER
from satjax.uplink import LINKS, SisoProblem, closed_form_terms_by_link, sample_uplink_scenarios, siso_sinr, throughput_bps


def run(cfg) -> list[dict]:
    """Rows of (tau_c, tau_p, link, mean per-user and mean sum throughput in Mbps)."""
    key = jax.random.key(cfg.seed)
    rows = []

    # one program for the three links (tau_p sets the pilot pattern's shapes: one compile per tau_p;
    # tau_c only enters the pre-log, applied outside)
    @jax.jit
    @jax.vmap
    def sinr_by_link(stats, p_max):
        return {link: siso_sinr(SisoProblem.from_terms(t, stats.user_mask), p_max)
                for link, t in closed_form_terms_by_link(stats).items()}

    for tau_p in cfg.tau_p_values:
        params = cfg.scenario.to_params(tau_p=int(tau_p), tau_c=int(max(cfg.tau_c_values)))
        scen = sample_uplink_scenarios(key, params, cfg.num_drops)      # same drops for every tau_p
        by_link = sinr_by_link(scen.stats, scen.p_max_w)
        print(f"tau_p = {int(tau_p)}: {cfg.num_drops} drops done", flush=True)      # progress: one line per pilot length
        for link in LINKS:
            sinr = by_link[link]
            for tau_c in cfg.tau_c_values:
                r = np.asarray(throughput_bps(sinr, bandwidth_hz=params.bandwidth_hz, tau_p=int(tau_p), tau_c=int(tau_c))) / 1e6
                rows.append(dict(tau_c=int(tau_c), tau_p=int(tau_p), link=link, per_user_mbps=float(r.mean()), sum_mbps=float(r.sum(1).mean())))
    return rows


def plot(rows, directory):
    import matplotlib.pyplot as plt

    files = []
    for name, field, ylabel in (("fig5_per_user_vs_tau_p.png", "per_user_mbps", "Average per-user throughput [Mbps]"),
                                ("fig6_sum_vs_tau_p.png", "sum_mbps", "Average sum throughput [Mbps]")):
        fig, ax = plt.subplots(figsize=(5.5, 4))
        for tau_c, style in zip(sorted({r["tau_c"] for r in rows}), ("-", "--", ":")):
            for link in LINKS:
                pts = sorted((r["tau_p"], r[field]) for r in rows if r["tau_c"] == tau_c and r["link"] == link)
                ax.plot(*zip(*pts), style, marker=".", label=f"{link}, tau_c={tau_c}")
        ax.set_xlabel("Pilot length tau_p")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
        files.append(save_figure(fig, directory / name))
    return files


@hydra_app(config_path="../../conf", config_name="pilot_length")
def main(cfg: DictConfig) -> None:
    config = start_app(cfg)
    rows = run(config)
    directory = output_dir()
    write_csv(directory / "fig5_fig6_pilot_length.csv", list(rows[0]), [tuple(r.values()) for r in rows])
    ours = {r["link"]: r["per_user_mbps"] for r in rows if r["tau_c"] == 200 and r["tau_p"] == 10}
    write_json(directory / "summary.json", {"ours_per_user_mbps_tau_c_200_tau_p_10": ours, "paper": PAPER})
    plot(rows, directory)
    print("per-user throughput at tau_c = 200, tau_p = 10 [Mbps]: "
          + ", ".join(f"{l} {ours.get(l, float('nan')):.2f} (paper {v})" for l, v in PAPER["per_user_mbps_tau_c_200_tau_p_10"].items()))
    best = {tc: max((r for r in rows if r["tau_c"] == tc and r["link"] == "space_ground"), key=lambda r: r["sum_mbps"])["tau_p"] for tc in config.tau_c_values}
    print("space_ground: best tau_p per tau_c:", best)
    print(f"results in {directory}")


if __name__ == "__main__":
    main()
