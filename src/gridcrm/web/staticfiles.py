"""Static files: hashed, compressed names served by WhiteNoise with a long cache, and
plotly.js taken from the installed plotly package.

``collectstatic`` gathers every file into ``STATIC_ROOT`` under a name carrying a hash of
its content (``app.3f1c…css``) with a brotli and a gzip copy beside it; WhiteNoise serves
the copy the browser accepts and marks hashed names immutable for ten years, so a
browser fetches each version of a file once. See docs/deploy.md ("Static files").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage
from django.core.files.storage import FileSystemStorage
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

PLOTLY_JS = "plotly/plotly.min.js"


class _Compressor(Compressor):  # type: ignore[misc]
    """WhiteNoise's compressor at a chosen brotli quality, skipping source maps (only a
    browser's developer tools fetch them)."""

    def __init__(self, *, quality: int, **kwargs: Any) -> None:
        kwargs["extensions"] = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
        super().__init__(**kwargs)
        self.quality = quality

    def compress_brotli(self, data: bytes) -> bytes:
        return bytes(brotli.compress(data, quality=self.quality))


class StaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """Hashed and compressed names from ``collectstatic``'s manifest.

    In production a file missing from the manifest is an error (collectstatic is a step
    of every deploy). Elsewhere a checkout that has not collected yet still works: a
    missing file keeps its plain name, which WhiteNoise serves from the app folders
    (``WHITENOISE_USE_FINDERS``), uncompressed and briefly cached."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.manifest_strict = bool(settings.PRODUCTION)

    def create_compressor(self, **kwargs: Any) -> Compressor:
        # Brotli's best quality (11) makes plotly.js a tenth smaller than quality 5 but
        # takes fifty times as long (about a minute for plotly.js alone): worth it once
        # per deploy, not at every start of the demo.
        return _Compressor(quality=settings.STATIC_BROTLI_QUALITY, **kwargs)

    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:
            if self.manifest_strict:
                raise
            return name


class PlotlyFinder(BaseFinder):
    """``plotly/plotly.min.js`` from the installed plotly package, and nothing else of it
    (the package's folder also holds a 5 MB widget bundle and data sets no page uses)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        import plotly

        folder = Path(plotly.__file__).resolve().parent / "package_data"
        self.storage = FileSystemStorage(location=folder)
        self.storage.prefix = "plotly"  # type: ignore[attr-defined]
        self.file = folder / "plotly.min.js"

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path != PLOTLY_JS:
            return [] if find_all else None
        return [str(self.file)] if find_all else str(self.file)

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        yield "plotly.min.js", self.storage
