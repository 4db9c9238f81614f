"""The first of Django's upload handlers: holds a multipart body to the size limit of
the view it goes to, while it streams in.

A body that announces (``Content-Length``) more than the limit is refused before any of
it is read; one that streams more files than the limit is cut off at the limit, so no
more than the limit is ever written to a temporary file. The refusal
(``core.upload_too_large``) is raised when the parser ends, from wherever the request's
form data was first read: the API answers it as ``{code, detail}``, the pages through
``gridcrm.web.errors.UploadRefusalMiddleware``.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from gridcrm.core import uploads

# Room for the form's other fields and the multipart boundaries around the files.
_ENVELOPE = 64 * 1024


class BoundedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file in the body against the view's limit."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = 0
        self.received = 0
        self.refusal: uploads.UploadRefused | None = None

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 (Django's name)
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        match = getattr(self.request, "resolver_match", None)
        self.limit = uploads.body_limit(
            getattr(match, "func", None), getattr(match, "url_name", None)
        )
        if content_length > self.limit + _ENVELOPE:
            self.refusal = self._refusal()
        return

    def _refusal(self) -> uploads.UploadRefused:
        return uploads.over_limit(self.limit)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.refusal is not None:
            # Read no further: the client is told at once (the connection then closes).
            raise StopUpload(connection_reset=True)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.refusal = self._refusal()
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def upload_complete(self) -> None:
        if self.refusal is not None:
            raise self.refusal
