"""potwise: a self-hosted money autopilot for Monzo and Open Banking."""

__version__ = "0.1.0"
