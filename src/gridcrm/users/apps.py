from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(**kwargs: object) -> None:
    # Permissions are made by post_migrate too, app by app; make all of them first
    # so the role groups can refer to permissions of apps migrated after this one.
    from django.contrib.auth.management import create_permissions

    from gridcrm.users.services import roles_sync

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    roles_sync()


class UsersConfig(AppConfig):
    name = "gridcrm.users"
    verbose_name = _("Users and regions")

    def ready(self) -> None:
        # post_migrate is the one hook that runs after every migrate, including a
        # test database's creation; the role table must be in the database by then.
        post_migrate.connect(_sync_roles_after_migrate, sender=self)
