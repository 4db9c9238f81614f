"""Errors of the key-account domain; views answer them as messages, the API as 400."""

from __future__ import annotations


class KeyAccountError(Exception):
    """A request the key-account rules refuse; nothing was changed."""


class TransitionRefused(KeyAccountError):
    """A need cannot move from its stage to the one asked for."""
