"""A small IPP/1.1 message codec (RFC 8010 section 3): pure functions, no I/O.

Only what the station needs to ask a printer about itself
(Get-Printer-Attributes), done strictly: a message that does not follow
the encoding raises `IppError`, never anything else. Values keep their
value tag, so that any message decodes and encodes back to the same bytes.

Why not pycups for this: pycups 2.0.4 leaks the whole response of every
`getPrinterAttributes` call (pycups issue 44; about 0.5 KiB a poll
measured here), and watching an idle printer means polling it for months.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import IppError

# Delimiter tags (RFC 8010 3.5.1).
OPERATION_GROUP = 0x01
JOB_GROUP = 0x02
END_OF_ATTRIBUTES = 0x03
PRINTER_GROUP = 0x04
UNSUPPORTED_GROUP = 0x05
# Value tags (RFC 8010 3.5.2).
INTEGER, BOOLEAN, ENUM = 0x21, 0x22, 0x23
OCTET_STRING, DATE_TIME, RESOLUTION, RANGE = 0x30, 0x31, 0x32, 0x33
BEGIN_COLLECTION, TEXT_WITH_LANGUAGE, NAME_WITH_LANGUAGE, END_COLLECTION = 0x34, 0x35, 0x36, 0x37
TEXT, NAME, KEYWORD, URI, URI_SCHEME = 0x41, 0x42, 0x44, 0x45, 0x46
CHARSET, LANGUAGE, MIME_TYPE, MEMBER_NAME = 0x47, 0x48, 0x49, 0x4A
EXTENSION = 0x7F

STRING_TAGS = frozenset({TEXT, NAME, 0x43, KEYWORD, URI, URI_SCHEME, CHARSET, LANGUAGE, MIME_TYPE, MEMBER_NAME})
_FIXED_SIZE = {INTEGER: 4, ENUM: 4, BOOLEAN: 1, DATE_TIME: 11, RESOLUTION: 9, RANGE: 8}
MAX_LENGTH = 0x7FFF  # lengths are SIGNED-SHORT on the wire

# Operations and status codes the station uses.
GET_JOBS = 0x000A
GET_PRINTER_ATTRIBUTES = 0x000B
SUCCESSFUL_OK = 0x0000


@dataclass(frozen=True)
class Attribute:
    """One attribute: its name and its values, each with its value tag."""

    name: str
    values: tuple[tuple[int, Any], ...]

    def plain(self) -> list[Any]:
        """The values without their tags."""
        return [value for _, value in self.values]


@dataclass(frozen=True)
class Group:
    """One attribute group (operation, job, printer, ...): a job list has one job group per job."""

    tag: int
    attributes: tuple[Attribute, ...]

    def values(self, name: str) -> list[Any]:
        """All values of the attribute with this name ([] when absent)."""
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute.plain()
        return []

    def first(self, name: str, default: Any = None) -> Any:
        """The first value of an attribute, or `default`."""
        found = self.values(name)
        return found[0] if found else default


@dataclass(frozen=True)
class Message:
    """An IPP request (`code` = operation) or response (`code` = status)."""

    version: tuple[int, int]
    code: int
    request_id: int
    groups: tuple[Group, ...] = ()
    data: bytes = field(default=b"", repr=False)

    def values(self, name: str) -> list[Any]:
        """All values of the first attribute with this name, in any group ([] when absent)."""
        for group in self.groups:
            found = group.values(name)
            if found:
                return found
        return []

    def first(self, name: str, default: Any = None) -> Any:
        """The first value of an attribute, or `default`."""
        found = self.values(name)
        return found[0] if found else default

    def groups_tagged(self, tag: int) -> list[Group]:
        """The groups with this tag (one per job in a job list)."""
        return [group for group in self.groups if group.tag == tag]


def _value_bytes(tag: int, value: Any) -> bytes:
    if tag in (INTEGER, ENUM):
        if not isinstance(value, int) or isinstance(value, bool) or not -(2**31) <= value < 2**31:
            raise IppError(f"value tag {tag:#04x} needs a 32-bit integer, not {value!r}")
        return struct.pack(">i", value)
    if tag == BOOLEAN:
        if not isinstance(value, bool):
            raise IppError(f"boolean value expected, not {value!r}")
        return b"\x01" if value else b"\x00"
    if tag in STRING_TAGS:
        if not isinstance(value, str):
            raise IppError(f"value tag {tag:#04x} needs text, not {value!r}")
        return value.encode("utf-8")
    if value is None:
        return b""
    if not isinstance(value, bytes):
        raise IppError(f"value tag {tag:#04x} needs bytes, not {value!r}")
    return value


def _encode_attribute(attribute: Attribute) -> bytes:
    if not attribute.values:
        raise IppError(f"attribute {attribute.name!r} has no value")
    name = attribute.name.encode("utf-8")
    if not name:
        raise IppError("an attribute needs a name")
    out = bytearray()
    for index, (tag, value) in enumerate(attribute.values):
        if not 0x10 <= tag <= 0x7E:
            raise IppError(f"bad value tag {tag:#04x}")
        body = _value_bytes(tag, value)
        key = name if index == 0 else b""
        if len(key) > MAX_LENGTH or len(body) > MAX_LENGTH:
            raise IppError(f"attribute {attribute.name!r} is too long for IPP")
        out += struct.pack(">Bh", tag, len(key)) + key + struct.pack(">h", len(body)) + body
    return bytes(out)


def encode(message: Message) -> bytes:
    """The wire form of a message."""
    major, minor = message.version
    if not (0 <= major <= 255 and 0 <= minor <= 255 and 0 <= message.code <= 0x7FFF
            and 0 <= message.request_id < 2**31):
        raise IppError("IPP version, code or request id out of range")
    out = bytearray(struct.pack(">BBhi", major, minor, message.code, message.request_id))
    for group in message.groups:
        if not 0x01 <= group.tag <= 0x0F or group.tag == END_OF_ATTRIBUTES:
            raise IppError(f"bad group tag {group.tag:#04x}")
        out.append(group.tag)
        for attribute in group.attributes:
            out += _encode_attribute(attribute)
    out.append(END_OF_ATTRIBUTES)
    return bytes(out) + message.data


def _decode_value(tag: int, raw: bytes, name: str) -> Any:
    size = _FIXED_SIZE.get(tag)
    if size is not None and len(raw) != size:
        raise IppError(f"{name}: value tag {tag:#04x} needs {size} bytes, got {len(raw)}")
    if tag in (INTEGER, ENUM):
        return struct.unpack(">i", raw)[0]
    if tag == BOOLEAN:
        if raw not in (b"\x00", b"\x01"):
            raise IppError(f"{name}: boolean must be 0 or 1")
        return raw == b"\x01"
    if tag in STRING_TAGS:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise IppError(f"{name}: text is not UTF-8") from None
    if 0x10 <= tag <= 0x1F:  # out-of-band: unsupported, unknown, no-value, ...
        if raw:
            raise IppError(f"{name}: out-of-band value {tag:#04x} must be empty")
        return None
    return raw


def decode(data: bytes) -> Message:
    """Parse one message; whatever follows the end tag is the document data."""
    if not isinstance(data, bytes | bytearray):
        raise IppError("IPP message must be bytes")
    data = bytes(data)
    if len(data) < 9:
        raise IppError(f"IPP message too short ({len(data)} bytes)")
    major, minor, code, request_id = struct.unpack(">BBhi", data[:8])
    if code < 0 or request_id < 0:
        raise IppError("negative operation, status code or request id")
    pos = 8
    groups: list[Group] = []
    group_tag: int | None = None
    attributes: list[Attribute] = []
    name: str | None = None
    values: list[tuple[int, Any]] = []

    def close_attribute() -> None:
        if name is not None:
            attributes.append(Attribute(name, tuple(values)))

    while True:
        if pos >= len(data):
            raise IppError("IPP message ends before its end-of-attributes tag")
        tag = data[pos]
        if tag <= 0x0F:
            close_attribute()
            if group_tag is not None:
                groups.append(Group(group_tag, tuple(attributes)))
            name, values, attributes = None, [], []
            pos += 1
            if tag == END_OF_ATTRIBUTES:
                break
            if tag == 0x00:
                raise IppError("reserved delimiter tag 0x00")
            group_tag = tag
            continue
        if tag == EXTENSION:
            raise IppError("extended value tags are not supported")
        if group_tag is None:
            raise IppError("attribute before any group tag")
        if pos + 3 > len(data):
            raise IppError("truncated attribute header")
        name_length = struct.unpack(">h", data[pos + 1:pos + 3])[0]
        pos += 3
        if name_length < 0 or pos + name_length + 2 > len(data):
            raise IppError("truncated attribute name")
        raw_name = data[pos:pos + name_length]
        pos += name_length
        value_length = struct.unpack(">h", data[pos:pos + 2])[0]
        pos += 2
        if value_length < 0 or pos + value_length > len(data):
            raise IppError("truncated attribute value")
        raw = data[pos:pos + value_length]
        pos += value_length
        if name_length:
            close_attribute()
            try:
                name = raw_name.decode("utf-8")
            except UnicodeDecodeError:
                raise IppError("attribute name is not UTF-8") from None
            values = []
        elif name is None:
            raise IppError("additional value without an attribute")
        values.append((tag, _decode_value(tag, raw, name)))
    return Message((major, minor), code, request_id, tuple(groups), data[pos:])


def request(operation: int, request_id: int, printer_uri: str,
            extra: Iterable[tuple[int, str, Sequence[Any]]] = ()) -> Message:
    """A request with the operation attributes every IPP request starts with."""
    attributes = [
        Attribute("attributes-charset", ((CHARSET, "utf-8"),)),
        Attribute("attributes-natural-language", ((LANGUAGE, "en"),)),
        Attribute("printer-uri", ((URI, printer_uri),)),
        Attribute("requesting-user-name", ((NAME, "mpp-station"),)),
    ]
    for tag, name, values in extra:
        attributes.append(Attribute(name, tuple((tag, v) for v in values)))
    return Message((1, 1), operation, request_id, (Group(OPERATION_GROUP, tuple(attributes)),))


def printer_attributes_request(printer_uri: str, requested: Sequence[str], request_id: int = 1) -> bytes:
    """Get-Printer-Attributes for `requested`, ready to POST."""
    return encode(request(GET_PRINTER_ATTRIBUTES, request_id, printer_uri,
                          [(KEYWORD, "requested-attributes", list(requested))]))


def jobs_request(printer_uri: str, requested: Sequence[str], *, which: str = "completed",
                 request_id: int = 1) -> bytes:
    """Get-Jobs (every user's jobs, `which` = completed or not-completed), ready to POST."""
    return encode(request(GET_JOBS, request_id, printer_uri,
                          [(KEYWORD, "which-jobs", [which]), (BOOLEAN, "my-jobs", [False]),
                           (KEYWORD, "requested-attributes", list(requested))]))
