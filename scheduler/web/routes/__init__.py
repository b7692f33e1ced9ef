"""One module per page (and its JSON twin): each exposes ``router``."""
