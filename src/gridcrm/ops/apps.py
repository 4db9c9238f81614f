from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operating the installation: backup and restore of the database, the fact lake and
    the files under GRIDCRM_VAR as one verifiable set. It holds no tables of its own."""

    name = "gridcrm.ops"
    label = "ops"
