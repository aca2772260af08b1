"""Issue 19 item 7: characters no text column can hold never reach a view.

PostgreSQL refuses NUL (U+0000) in any text value, so a NUL in a query string or a form
field used to end as HTTP 500 wherever it met the database (a region code, a search, a
filter). Lone surrogates (U+D800–U+DFFF) cannot be written as UTF-8 at all; Django's
request decoding replaces invalid UTF-8, so they should never arrive, and the guard refuses
them too rather than rely on it.

This is the one place those characters are judged for web requests: the path, every query
string and form field (key and value, urlencoded or multipart) and every cookie. A request
carrying one is refused with ``ImpossibleCharacters`` (a ``SuspiciousOperation``, so Django
answers 400 through ``handler400`` and logs it under ``django.security``) before any view
runs. Uploaded files' contents and names are not judged here: their own checks read them
(Django drops unprintable characters from file names). Other control characters are stored
without harm and are refused, with a message naming the field, where a field cares
(``casesets.validators.check_control_characters``, which also keeps NUL out of Excel imports,
which do not pass through here).
"""

import re

from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext_lazy as _

IMPOSSIBLE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")

MESSAGE = _("请求中含有无法处理的字符（如空字符），请删除这些字符后重试。")


class ImpossibleCharacters(SuspiciousOperation):
    """A request carried NUL or a lone surrogate (answered 400 by ``handler400``)."""

    def __init__(self, where):
        super().__init__(f"impossible character in {where}")


class WithoutTraceback:
    """Logging filter: Django logs every SuspiciousOperation at ERROR with its traceback; a
    refused NUL is a client's doing, one line (``impossible character in cookie``) is enough."""

    def filter(self, record):
        record.exc_info = record.exc_text = None
        return True


def _check(where, pairs):
    for key, value in pairs:
        if IMPOSSIBLE_CHARACTERS.search(key) or IMPOSSIBLE_CHARACTERS.search(value):
            raise ImpossibleCharacters(where)


def _items(querydict):
    return ((key, value) for key, values in querydict.lists() for value in values)


class InputGuardMiddleware:
    """Refuses (400) a request whose path, query string, cookies or form fields hold a
    character in ``IMPOSSIBLE_CHARACTERS``. Placed before the session middleware, so that
    a cookie is judged before the session store looks it up.

    An urlencoded body is read here. A multipart body is judged when whoever reads it first
    parses it (the CSRF check, or a view after installing its upload size limit): reading it
    here would freeze the upload handlers before the views that limit uploads add theirs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _check("path", [("", request.path_info)])
        _check("query string", _items(request.GET))
        _check("cookie", request.COOKIES.items())
        if request.method == "POST":
            if request.content_type == "multipart/form-data":
                self._judge_multipart_when_parsed(request)
            else:
                _check("form field", _items(request.POST))
        return self.get_response(request)

    @staticmethod
    def _judge_multipart_when_parsed(request):
        parse = request.parse_file_upload

        def parse_and_judge(meta, post_data):
            fields, files = parse(meta, post_data)
            # Raised before POST is set: the body is spent, so any later read of POST or
            # FILES gives them empty (Django's handling of a body that failed to parse).
            _check("form field", _items(fields))
            return fields, files

        request.parse_file_upload = parse_and_judge
