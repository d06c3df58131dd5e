"""nsnbuild: a static site generator for foreign-policy briefs."""

__version__ = "0.1.0"
