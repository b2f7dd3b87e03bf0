"""Hydra entry points and paper-figure scripts of satjax (outside the library)."""
