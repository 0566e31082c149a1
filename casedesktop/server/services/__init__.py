"""What the server does, as plain functions over a database session: no FastAPI, so the routes,
push, the CLI and the demo data all go through the same rules."""
