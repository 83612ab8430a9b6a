"""Errors the platform answers with: a machine code, a polite Chinese message and an HTTP status."""

from __future__ import annotations


class PlatformError(Exception):
    status_code = 400

    def __init__(self, code: str, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class NotFound(PlatformError):
    status_code = 404


class Forbidden(PlatformError):
    status_code = 403


class Conflict(PlatformError):
    status_code = 409


class Invalid(PlatformError):
    status_code = 422
