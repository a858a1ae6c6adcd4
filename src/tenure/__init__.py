"""Tenure: the system a customer success team runs on."""

__version__ = "0.1.0"
