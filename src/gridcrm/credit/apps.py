from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "gridcrm.credit"
    verbose_name = _("Credit rating")

    def ready(self) -> None:
        from gridcrm.archive.panels import Panel, register_panel
        from gridcrm.credit import services  # noqa: F401  (registers the job runner)
        from gridcrm.credit.selectors import credit_grade_for, service_terms
        from gridcrm.service.credit import credit_grade_provider_set, credit_terms_provider_set

        register_panel(Panel("credit", _("Credit"), "credit/_customer_panel.html", order=30))
        # Service requests, payment terms and notices follow the customer's real grade,
        # and due dates, grace and notice leads follow the credit policies.
        credit_grade_provider_set(credit_grade_for)
        credit_terms_provider_set(service_terms)
