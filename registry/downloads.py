"""One way to send a stored upload back to a browser (checklist 4.3, issue 9 item 7).

Every stored file — 执业证书 photos, 单位注册 uploads, 附件4 scans — goes out as an attachment
(so a browser never renders it as a page of the platform; an ``<img>`` still shows an
image), with its stored content type, ``nosniff``, a sandboxing Content-Security-Policy and
no caching. The caller decides who may see the file; a file missing from storage is a 404.
"""

from django.http import FileResponse, Http404

SANDBOX_POLICY = "sandbox; default-src 'none'; img-src 'self'"


def stored_file_response(field_file, content_type: str, filename: str) -> FileResponse:
    """``field_file`` (a FieldFile) as a download named ``filename`` (ASCII or not: Django
    writes RFC 6266 ``filename*`` when needed)."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type=content_type, as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    response["Cache-Control"] = "private, no-store"
    return response
