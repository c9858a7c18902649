"""The cloudcore Django project."""

from cloudcore.celery import app as celery_app

__all__ = ["celery_app"]
