"""satjax benchmarks: ``python -m benchmarks.run [--suite NAME] [--quick]`` (see benchmarks/run.py).

Importing this package has no side effects: ``benchmarks.run.main`` sets the XLA flags."""
