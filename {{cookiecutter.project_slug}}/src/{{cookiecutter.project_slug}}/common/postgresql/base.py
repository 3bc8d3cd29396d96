"""Django's PostgreSQL backend{% if cookiecutter.use_prometheus == "y" %}, as django-prometheus instruments it,{% endif %} with guards on taking a
connection from the pool (common.database): during an outage the request fails at once,
and a connection the server has closed is replaced instead of failing the request.

Django's own CONN_HEALTH_CHECKS would cost a query on every checkout; these cost none.
"""

from typing import Any

import psycopg
{%- if cookiecutter.use_prometheus == "y" %}
from django_prometheus.db.backends.postgresql import base
{%- else %}
from django.db.backends.postgresql import base
{%- endif %}

from {{ cookiecutter.project_slug }}.common.database import is_alive, means_unreachable, outage_of


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: Any) -> Any:
        pool = self.pool
        if pool is None:
            return super().get_new_connection(conn_params)
        outage = outage_of(self.alias)
        outage.check()
        # Every idle connection may have been closed at once (a server restart): try each.
        for _ in range(pool.max_size + 1):
            try:
                connection: psycopg.Connection[Any] = super().get_new_connection(conn_params)
            except psycopg.Error as error:
                if means_unreachable(error):
                    outage.failed(error)
                raise
            if is_alive(connection):
                outage.recovered()
                return connection
            # Closed, it goes out of the pool, which opens another in its place.
            connection.close()
            pool.putconn(connection)
        raise psycopg.OperationalError("every pooled connection had been closed by the server")
