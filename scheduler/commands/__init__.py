"""One module per group of ``briefings`` commands; each exposes ``register(group)``."""
