from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kernel every domain app may import: errors, audit, extension points,
    versioned configuration. It holds no tables of its own."""

    name = "gridcrm.core"
    label = "core"
