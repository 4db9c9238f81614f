from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "gridcrm.credit"
    verbose_name = _("Credit rating")

    def ready(self) -> None:
        from gridcrm.core.extensions import (
            CREDIT_GRADE,
            CREDIT_TERMS,
            CUSTOMER_PANELS,
            TIMELINE_SOURCES,
            Panel,
        )
        from gridcrm.credit.selectors import credit_grade_for, credit_timeline, service_terms

        CUSTOMER_PANELS.register(
            "credit", Panel("credit", _("Credit"), "credit/_customer_panel.html", order=30)
        )
        # Grade changes and credit casework on the 360° timeline, for who may see credit.
        TIMELINE_SOURCES.register("credit", credit_timeline)
        # Service requests, payment terms and notices follow the customer's real grade,
        # and due dates, grace and notice leads follow the credit policies.
        CREDIT_GRADE.install(credit_grade_for)
        CREDIT_TERMS.install(service_terms)
