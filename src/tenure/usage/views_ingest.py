"""The Segment-compatible event endpoints: POST /v1/batch, /v1/track, /v1/identify, /v1/group, /v1/page,
/v1/screen and /v1/alias. Authenticated by write key, never by session or login."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from tenure.usage import services
from tenure.usage.protocol import (
    MAX_REQUEST_BYTES,
    InvalidMessage,
    ProtocolError,
    decode_body,
    messages_in,
    parse_message,
    write_key_from,
)

ENDPOINTS = ("batch", "track", "identify", "group", "page", "screen", "alias")


def _error(e: ProtocolError) -> JsonResponse:
    response = JsonResponse({"code": e.code, "message": e.message}, status=e.status)
    if e.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="tenure events"'
    return response


@csrf_exempt
@login_not_required
def not_found(request, path: str = ""):
    """Any other /v1/ path: the event API's errors are JSON too."""
    return _error(ProtocolError(404, "not_found", f"there is no /v1/{path[:100]}; send events to /v1/batch or "
                                                  f"/v1/{{{','.join(ENDPOINTS[1:])}}}"))


@csrf_exempt
@login_not_required
def receive(request, endpoint: str):
    if request.method != "POST":
        response = _error(ProtocolError(405, "method_not_allowed", f"/v1/{endpoint} takes POST"))
        response["Allow"] = "POST"
        return response
    try:
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            raise ProtocolError(400, "invalid_length", "the Content-Length header is not a number") from None
        if length > MAX_REQUEST_BYTES:
            raise ProtocolError(400, "request_too_large", f"the request is over {MAX_REQUEST_BYTES // 1024} KB")
        try:
            raw = request.body
        except RequestDataTooBig:
            raise ProtocolError(400, "request_too_large", f"the request is over {MAX_REQUEST_BYTES // 1024} KB"
                                ) from None
        body = decode_body(raw, request.headers.get("Content-Encoding", ""))
        raw_key = write_key_from(request.headers.get("Authorization", ""), body)
        write_key = services.authenticate_write_key(raw_key)
        if write_key is None:
            raise ProtocolError(401, "invalid_write_key", "the write key is unknown or revoked")
        messages = messages_in(body, endpoint)
        single = None
        if endpoint != "batch":
            # A single-message call is the message: an invalid one is refused, not stored as rejected.
            try:
                single = parse_message(messages[0], timezone.now())
            except InvalidMessage as e:
                raise ProtocolError(400, "invalid_message", str(e)) from None
    except ProtocolError as e:
        return _error(e)
    if single is not None:  # already parsed: store it as it is rather than parsing it again
        result = services.ingest_parsed([single], write_key=write_key)
    else:
        result = services.ingest(messages, write_key=write_key)
    return JsonResponse(result.as_json())
