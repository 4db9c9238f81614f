"""Errors of the service app; each carries a message fit to show the user."""

from __future__ import annotations


class ServiceError(Exception):
    """A business rule refused the operation; ``str(error)`` says why. Nothing changed."""


class StepOutOfOrder(ServiceError):
    """The step named is not the request's current step."""


class StaleRequest(ServiceError):
    """Someone else changed the request since it was read."""


class InvalidConfiguration(ServiceError):
    """A workflow, calendar or matrix edit that would not make sense."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
