"""What every app's API shares (not a Django app: no models)."""
