"""satjax benchmarks (run as modules, e.g. ``python -m benchmarks.uplink_closed_form``)."""
