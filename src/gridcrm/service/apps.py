from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_defaults_after_migrate(**kwargs: object) -> None:
    # Like the role groups: after every migrate (and a test database's flush) the
    # default workflows and service matrix exist, unless an administrator made others.
    from gridcrm.service.defaults import defaults_install

    defaults_install()


def _install_calendar_after_migrate(**kwargs: object) -> None:
    # The official holiday schedules the installed source has and the calendar lacks
    # (a new install; a package upgrade that adds next year).
    from django.db import connections

    from gridcrm.service.calendar_services import calendar_install_missing
    from gridcrm.service.models import CalendarEvent, HolidayDay

    using = str(kwargs.get("using", "default"))
    tables = set(connections[using].introspection.table_names())
    if {HolidayDay._meta.db_table, CalendarEvent._meta.db_table} <= tables:  # not unmigrated
        calendar_install_missing()


class ServiceConfig(AppConfig):
    name = "gridcrm.service"
    verbose_name = _("Service requests and notices")

    def ready(self) -> None:
        from gridcrm.core.extensions import (
            CUSTOMER_PANELS,
            CUSTOMERS_CHANGED,
            LAKE_RESULTS,
            TIMELINE_SOURCES,
            LakeResult,
            Panel,
        )
        from gridcrm.service.complaints import complaints_exprs, complaints_store
        from gridcrm.service.selectors import request_events_timeline
        from gridcrm.service.stations import open_requests_follow_customers

        post_migrate.connect(_install_defaults_after_migrate, sender=self)
        post_migrate.connect(_install_calendar_after_migrate, sender=self)
        CUSTOMER_PANELS.register(
            "service",
            Panel(
                key="service",
                title=_("Service requests, notices and payment terms"),
                template="service/_customer_panel.html",
                order=50,
            ),
        )
        TIMELINE_SOURCES.register("service", request_events_timeline)
        CUSTOMERS_CHANGED.register("service.stations", open_requests_follow_customers)
        # The archive's complaints in 12 months are derived in the lake's daily run.
        LAKE_RESULTS.register("service.complaints", LakeResult(complaints_exprs, complaints_store))
