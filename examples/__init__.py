"""Runnable examples: satjax as a physics layer inside other people's JAX models (docs/examples.md).

Each script is ``python -m examples.<name> OUT_DIR [--tiny]``: real sizes by default, ``--tiny``
for a seconds-long check (the test suite runs every one that way).
"""
