"""Every number paper B prints that satjax compares against: one place."""

#: Table I defaults and Fig. 10: EE of the methods at the defaults is about 1.1-1.4 Mbit/J.
DEFAULTS = {"fig10_ee_range_mbit_per_j": [1.1, 1.4], "table1": {"nt": 64, "k": 10, "p_max_w": 10, "snr_db": 0}}
