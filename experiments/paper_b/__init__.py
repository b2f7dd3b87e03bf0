"""Paper B figure scripts (Hydra apps)."""
