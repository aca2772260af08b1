from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import Resolver404

from .actions import Action, Outcome
from .events import current_request, record


class AuditMiddleware:
    """Remembers the request being served (for ``audit.record(None, …)`` in services) and
    records every ``PermissionDenied`` a view raises (403), and every object a signed-in
    user asked for by id and was not given (404: another institution's report, case or file
    answers exactly like a missing one, checklist 3.1 and 9.1)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            record(request, Action.PERMISSION_DENIED, outcome=Outcome.DENIED)
        elif (
            isinstance(exception, Http404)
            and not isinstance(exception, Resolver404)
            and request.user.is_authenticated
            and request.resolver_match is not None
            and request.resolver_match.kwargs
        ):
            record(request, Action.PERMISSION_DENIED, outcome=Outcome.DENIED, status=404)
        return None
