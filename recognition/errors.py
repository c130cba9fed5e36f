"""Errors that carry a message meant for the person or client that caused them."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or an unusable environment: printed as one line by the CLI, a 4xx by the API."""


class ConfigError(UserError):
    """A setting has a bad value; the message names the key."""
