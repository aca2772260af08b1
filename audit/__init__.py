"""审计日志: ``audit.record(request_or_none, action, *, obj=None, outcome="success", **detail)``.

Call it where a security event happens, in one line, e.g.::

    audit.record(request, audit.Action.EXPORT, rows=count)
    audit.record(None, audit.Action.REPORT_SUBMIT, obj=report, user=user)

``None`` for the request means "the request being served, if any" (``AuditMiddleware``
remembers it), so services that get no request still record the client address. This module
imports no model, so any module may import it at load time.
"""

from .actions import Action, Outcome

__all__ = ["Action", "Outcome", "file_sha256", "record"]


def record(request, action, **kwargs):
    """Write one ``AuditEvent``; see ``audit.events.record``."""
    from .events import record as _record

    return _record(request, action, **kwargs)


def file_sha256(fileobj):
    """The SHA-256 (hex) of an uploaded or stored file, read in chunks; the file is left
    at its start."""
    from .events import file_sha256 as _file_sha256

    return _file_sha256(fileobj)
