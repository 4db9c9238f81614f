"""Places on the customer 360° page where other capabilities plug in.

An app registers a panel with a template (rendered with ``customer`` and ``user`` in
its context; it draws its own card) from its ``AppConfig.ready``; the page shows the
panels in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Panel:
    key: str
    title: str | Promise
    template: str
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    """Add (or replace) a panel of the customer page."""
    _PANELS[panel.key] = panel


def customer_panels() -> list[Panel]:
    """The registered panels in display order."""
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))
