"""Every number paper A prints that satjax compares against: one place (docs/paper-a.md quotes
the same values)."""

#: Sec. VI-A, Figs. 3-4 (K = 20, tau_p = 10, tau_c = 10 000), Mbps.
FIGS_3_4 = {
    "sum_mean": {"space_ground": 67.9, "ground": 42.5, "space": 32.1},
    "sum_p5": {"ground": 14.5, "space": 30.5},
    "median_ratio": {"space/ground": 3.3, "space_ground/ground": 5.9},
}

#: Sec. VI-A, Figs. 5-6: per-user throughput at tau_c = 200, tau_p = 10 (Mbps).
FIGS_5_6 = {"per_user_mbps_tau_c_200_tau_p_10": {"space_ground": 7.0, "ground": 4.5, "space": 3.2}}

#: Sec. VI-B, Figs. 7-10 (Mbps, fractions).
FIGS_7_10 = {
    "fig7_k20_initial_mbps": 114.6,
    "fig7_k20_final_mbps": 167.8,
    "fig7_iterations": "< 10",
    "fig8_k30_mean_mbps": {"algorithm1": 226.5, "random": 182.6, "full": 212.9},
    "fig8_k50_gain_over_random": 0.265,
    "fig9_scheduled_fraction": {"20": 0.992, "50": 0.873},
}

#: Table I: sum throughput [Mbps] and runtime [ms] per K.
TABLE_1 = {
    20: {"gnn_stable": 170.5, "gnn_robust": 171.4, "algorithm1": 167.1, "gnn_ms": 30, "algorithm1_ms": 621},
    30: {"gnn_stable": 228.6, "gnn_robust": 228.6, "algorithm1": 226.5, "gnn_ms": 34, "algorithm1_ms": 1667},
    40: {"gnn_stable": 275.6, "gnn_robust": 275.9, "algorithm1": 279.3, "gnn_ms": 35, "algorithm1_ms": 2939},
    50: {"gnn_stable": 317.8, "gnn_robust": 318.9, "algorithm1": 321.9, "gnn_ms": 36, "algorithm1_ms": 5089},
}
