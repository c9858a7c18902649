"""Django apps: the database and the REST API."""
