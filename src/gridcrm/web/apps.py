from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "gridcrm.web"
