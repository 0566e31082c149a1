"""The vendor side: FastAPI app, its database and migrations, auth, change feed, CLI."""
