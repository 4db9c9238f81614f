from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kernel every domain app may import: errors, audit, extension points,
    versioned configuration, sealed fields. It holds no tables of its own."""

    name = "gridcrm.core"
    label = "core"

    def ready(self) -> None:
        from gridcrm.core import checks  # noqa: F401 (registers the system checks)
