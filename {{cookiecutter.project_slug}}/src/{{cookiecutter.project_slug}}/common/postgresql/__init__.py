"""The project's PostgreSQL database backend: ENGINE for every PostgreSQL DATABASE_URL."""
