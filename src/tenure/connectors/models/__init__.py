"""The connectors' tables, one module per part: syncing from sources (sync) and email capture (mail)."""

from tenure.connectors.models.mail import *  # noqa: F403
from tenure.connectors.models.sync import *  # noqa: F403
