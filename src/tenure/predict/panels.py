"""The account page's churn panel: a query, without loading the model libraries the training side needs."""

from tenure.predict.models import ChurnPrediction


def account_panel(account) -> dict:
    """Probability, model date and drivers in words."""
    prediction = ChurnPrediction.objects.select_related("model").filter(account=account).first()
    return {"churn_prediction": prediction}
