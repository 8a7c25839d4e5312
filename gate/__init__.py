"""gate: a rendered-manifest CI gate around `helm template`."""

__version__ = "0.1.0"
