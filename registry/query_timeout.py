"""A statement timeout for the pages people browse (issue 21 item 2): nothing an auditor
(or a hospital page) asks for runs unbounded, and one slow query cannot hold a worker.

``StatementTimeoutMiddleware`` gives PostgreSQL's ``statement_timeout`` the value
``DB_STATEMENT_TIMEOUT_MS`` (5 s) for the GET and HEAD requests under
``DB_STATEMENT_TIMEOUT_PATHS`` (``/admin/`` and ``/registry/``), and takes it off for every
other request. A statement that runs longer is cancelled by the server; the request gets a
Chinese page (503) saying to narrow the filter, instead of a 500.

Why per request and not for the connection (``OPTIONS: -c statement_timeout``): migrations
(an index over a million cases), ``manage.py`` commands and the imports (a POST that COPYs
20,000 rows) must never be cancelled, so only the reading requests get it. A streamed export
takes it off (``lift``) before it reads its rows after the view has returned: each of its
queries reads one bounded chunk, and a file cut off half-way is worse than a slow one.

The setting is a session setting of the connection, which Django keeps between requests
(``CONN_MAX_AGE``): the middleware remembers what it last set on which connection and sends
``SET``/``RESET`` only when a request needs the other value — in a run of page views, no
statement at all. They go to the driver's connection directly, outside Django's query log
(they are not the page's queries). With a pooler in transaction mode (pgbouncer) a session
setting can land on another client's server connection: there set
``DB_STATEMENT_TIMEOUT_MS=0`` and give the pooler's own ``query_timeout`` instead. On SQLite
this does nothing.
"""

from __future__ import annotations

import logging
import weakref

from django.conf import settings
from django.contrib import admin
from django.db import DatabaseError, OperationalError, connection
from django.shortcuts import render

logger = logging.getLogger(__name__)

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE of a statement cancelled by the timeout
MESSAGE = "查询超时，请缩小筛选范围（如数据年度、省份）后重试。"

# The value last set on each driver connection (None: the server's default).
_applied: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def applies(request) -> bool:
    return bool(
        getattr(settings, "DB_STATEMENT_TIMEOUT_MS", 0)
        and request.method in ("GET", "HEAD")
        and request.path_info.startswith(tuple(settings.DB_STATEMENT_TIMEOUT_PATHS))
    )


def _apply(milliseconds: int | None) -> None:
    """Set (or, with None, reset) the timeout of the current connection, unless it has
    that value already."""
    if connection.vendor != "postgresql":
        return
    raw = connection.connection
    if raw is None and milliseconds is None:
        return  # a new connection starts with the default
    try:
        if raw is None:
            connection.ensure_connection()
            raw = connection.connection
        if _applied.get(raw) == milliseconds:
            return
        with raw.cursor() as cursor:
            if milliseconds is None:
                cursor.execute("RESET statement_timeout")
            else:
                value = f"{int(milliseconds)}ms"
                cursor.execute("SELECT set_config('statement_timeout', %s, false)", [value])
    except Exception:  # noqa: BLE001 (any driver error: the connection is dropped)
        # A connection whose setting is unknown is not used further: Django opens a new one
        # (with the default) for the request's first query, whose own error, if the
        # database is down, is the one to report (``/healthz`` answers 503 with it).
        logger.warning("could not set statement_timeout; connection closed", exc_info=True)
        if raw is not None:
            _applied.pop(raw, None)
        connection.close()
        return
    _applied[raw] = milliseconds


def lift() -> None:
    """No timeout for what follows on this connection (a streamed export's reads)."""
    _apply(None)


def is_query_timeout(exception) -> bool:
    """A database error whose cause is a statement cancelled by ``statement_timeout``."""
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    return (getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)) == QUERY_CANCELED


class StatementTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if applies(request):
            _apply(settings.DB_STATEMENT_TIMEOUT_MS)
            request.statement_timeout_ms = settings.DB_STATEMENT_TIMEOUT_MS
        else:
            _apply(None)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (getattr(request, "statement_timeout_ms", None) and is_query_timeout(exception)):
            return None
        logger.warning(
            "statement_timeout (%s ms) cancelled a query of %s %s",
            request.statement_timeout_ms,
            request.method,
            request.get_full_path()[:300],
        )
        return timeout_response(request)


def timeout_response(request):
    """503 with the message, in the admin's frame for admin pages, else the site's."""
    context = {"message": MESSAGE, "title": "查询超时"}
    if request.path_info.startswith("/admin/"):
        template = "admin/query_timeout.html"
        try:
            context.update(admin.site.each_context(request))
        except DatabaseError:  # the page needs none of it: shown without the side menu
            pass
    else:
        template = "query_timeout.html"
    # Rendered here: a response returned for an exception raised while a TemplateResponse
    # was being rendered is not rendered again by Django.
    response = render(request, template, context, status=503)
    response["Cache-Control"] = "no-store"
    return response
