"""Figures of paper A (uplink cell-free massive MIMO with a LEO satellite)."""
