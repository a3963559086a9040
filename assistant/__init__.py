"""Offline question answering over Vietnamese public-administration plans."""

__version__ = "0.1.0"
