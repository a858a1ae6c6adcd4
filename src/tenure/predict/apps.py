from django.apps import AppConfig


class PredictConfig(AppConfig):
    name = "tenure.predict"
    label = "predict"
    verbose_name = "Churn model"
