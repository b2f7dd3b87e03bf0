"""Plain reference implementations of satjax math, written without satjax, for timing and
lockstep agreement tests."""
