"""Events of the HTTP/2 core that HTTP/1.1 has no counterpart for.

The core's ``receive_data`` returns ``(stream_id, event)`` pairs. Per-stream events are
the shared ResponseHead, Data and EndOfMessage (see events.py) and :class:`StreamReset`;
connection-wide events carry stream id 0.

Error codes are RFC 9113 section 7's; the names are here for messages and tests.
"""

from __future__ import annotations

from .events import Event

__all__ = [
    "ConnectionTerminated",
    "ERROR_NAMES",
    "PingAcknowledged",
    "SettingsChanged",
    "StreamReset",
    "WindowUpdated",
]

NO_ERROR = 0x0
PROTOCOL_ERROR = 0x1
INTERNAL_ERROR = 0x2
FLOW_CONTROL_ERROR = 0x3
SETTINGS_TIMEOUT = 0x4
STREAM_CLOSED = 0x5
FRAME_SIZE_ERROR = 0x6
REFUSED_STREAM = 0x7
CANCEL = 0x8
COMPRESSION_ERROR = 0x9
CONNECT_ERROR = 0xA
ENHANCE_YOUR_CALM = 0xB
INADEQUATE_SECURITY = 0xC
HTTP_1_1_REQUIRED = 0xD

ERROR_NAMES = {
    NO_ERROR: "NO_ERROR",
    PROTOCOL_ERROR: "PROTOCOL_ERROR",
    INTERNAL_ERROR: "INTERNAL_ERROR",
    FLOW_CONTROL_ERROR: "FLOW_CONTROL_ERROR",
    SETTINGS_TIMEOUT: "SETTINGS_TIMEOUT",
    STREAM_CLOSED: "STREAM_CLOSED",
    FRAME_SIZE_ERROR: "FRAME_SIZE_ERROR",
    REFUSED_STREAM: "REFUSED_STREAM",
    CANCEL: "CANCEL",
    COMPRESSION_ERROR: "COMPRESSION_ERROR",
    CONNECT_ERROR: "CONNECT_ERROR",
    ENHANCE_YOUR_CALM: "ENHANCE_YOUR_CALM",
    INADEQUATE_SECURITY: "INADEQUATE_SECURITY",
    HTTP_1_1_REQUIRED: "HTTP_1_1_REQUIRED",
}


def error_name(code: int) -> str:
    return ERROR_NAMES.get(code, f"0x{code:x}")


class StreamReset(Event):
    """The stream is over without (the rest of) its response.

    ``remote``: the server reset it (RST_STREAM, or GOAWAY) rather than the core because
    the server broke a rule on that stream. ``retryable``: the server did not process the
    request (REFUSED_STREAM, or a stream above a GOAWAY's last stream id), so sending it
    again on another connection is safe whatever its method. ``message`` explains it.
    """

    __slots__ = ("error_code", "message", "remote", "retryable")

    def __init__(self, error_code: int, remote: bool, retryable: bool, message: str) -> None:
        self.error_code = error_code
        self.remote = remote
        self.retryable = retryable
        self.message = message


class ConnectionTerminated(Event):
    """GOAWAY received (``remote``), or the core ended the connection because the server
    broke the protocol (then ``message`` says how and every open stream was reset).
    Streams at or below ``last_stream_id`` may still complete after a remote GOAWAY."""

    __slots__ = ("additional_data", "error_code", "last_stream_id", "message", "remote")

    def __init__(
        self,
        error_code: int,
        last_stream_id: int,
        additional_data: bytes,
        remote: bool,
        message: str,
    ) -> None:
        self.error_code = error_code
        self.last_stream_id = last_stream_id
        self.additional_data = additional_data
        self.remote = remote
        self.message = message


class WindowUpdated(Event):
    """The send window of the tagged stream (0: the connection) grew: uploads may go on."""

    __slots__ = ()


class SettingsChanged(Event):
    """The server's settings were applied: stream capacity or windows may have changed."""

    __slots__ = ()


class PingAcknowledged(Event):
    """The answer to a PING we sent."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data
