"""An attachment's file as an HTTP answer: the staff pages and the customer portal serve them alike."""

from django.http import FileResponse, Http404

from tenure.knowledge.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The attachment's file is missing from the disk.") from None
    response = FileResponse(handle, content_type=attachment.content_type)
    # the type was read from the content at upload; a browser must not guess another, nor run anything in it
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
