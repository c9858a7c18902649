"""Background workers: scheduler, conductor and compute, all speaking Celery."""
