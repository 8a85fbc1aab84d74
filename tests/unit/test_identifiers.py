"""Email addresses and phone numbers: every payload field that takes one refuses what no person
typed (NUL, control and invisible characters, U+FFFD, odd whitespace) and keeps valid ones working.

The fields are found by their type across the whole catalog, so an operation added later with an
``Email`` or ``Phone`` field is covered without editing this file.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from pydantic import AfterValidator, BaseModel, ValidationError

from worker.operations import CATALOG
from worker.operations.examples import example
from worker.operations.identifiers import email_address, phone_number

MEDIA = "https://media.example/call.wav"
Path = tuple[str | int, ...]
KINDS = {email_address: "email", phone_number: "phone"}


def _kind(metadata: Any) -> str | None:
    for item in metadata:
        if isinstance(item, AfterValidator) and item.func in KINDS:
            return KINDS[item.func]
    return None


def _walk(annotation: Any, metadata: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """(path, kind) of every Email/Phone inside one field's type: optional, in tuples, in models."""
    kind = _kind(metadata)
    if kind is not None:
        yield path, kind
        return
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        yield from _walk(args[0], annotation.__metadata__, path)
    elif origin in (Union, types.UnionType):
        for arg in args:
            yield from _walk(arg, (), path)
    elif origin in (tuple, list, set, frozenset) and args:
        yield from _walk(args[0], (), (*path, 0))
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _fields(annotation, path)


def _fields(model: type[BaseModel], prefix: Path = ()) -> Iterator[tuple[Path, str]]:
    for name, info in model.model_fields.items():
        yield from _walk(info.annotation, info.metadata, (*prefix, info.alias or name))


IDENTIFIER_FIELDS = sorted(
    {(name, path, kind) for name, op in CATALOG.items() for path, kind in _fields(op.payload_model)},
    key=str,
)


def _with(data: dict[str, Any], path: Path, value: str) -> dict[str, Any]:
    """A copy of ``data`` with ``value`` at ``path`` (creating list items and objects on the way)."""
    data = copy.deepcopy(data)
    node: Any = data
    for key, following in zip(path, (*path[1:], None), strict=True):
        leaf: Any = value if following is None else ({} if isinstance(following, str) else [])
        if isinstance(key, int):
            while len(node) <= key:
                node.append(leaf)
            if following is None:
                node[key] = value
        elif following is None or key not in node:
            node[key] = leaf
        node = node[key]
    return data


def _payload(name: str, path: Path, value: str) -> dict[str, Any]:
    return _with(example(name, media_url=MEDIA, crm_file="/x.ldjson"), path, value)


GOOD = {"email": "Jamie.Rivera@Northwind.example", "phone": "+1 (415) 555-0123"}
BAD = {
    "email": [
        ("nul", "jamie\x00@northwind.example", "NUL"),
        ("nul-at-the-end", "jamie@northwind.example\x00", "NUL"),
        ("replacement-characters", "\ufffd\ufffd@x.example", "U+FFFD"),
        ("zero-width-space", "jamie\u200b@northwind.example", "U+200B"),
        ("bidi-override", "\u202ejamie@northwind.example", "U+202E"),
        ("unit-separator", "\x1fjamie@northwind.example", "U+001F"),
        ("trailing-newline", "jamie@northwind.example\n", "U+000A"),
        ("no-break-space-around", "\u00a0jamie@northwind.example", "U+00A0"),
        ("line-separator", "jamie@northwind.example\u2028", "U+2028"),
    ],
    "phone": [
        ("nul", "+1415555\x000123", "NUL"),
        ("replacement-character", "+1415555\ufffd0123", "U+FFFD"),
        ("zero-width-space", "+1415\u200b5550123", "U+200B"),
        ("bidi-override", "\u202d+14155550123", "U+202D"),
        ("file-separator", "+1\x1c4155550123", "U+001C"),
        ("trailing-newline", "+14155550123\n", "U+000A"),
        ("no-break-space-around", "+14155550123\u00a0", "U+00A0"),
        ("arabic-indic-digits", "+1\u0664\u0661\u0665\u0665\u0665\u0665\u0660\u0661\u0662\u0663", "E.164"),
    ],
}


def test_the_catalog_walk_finds_top_level_optional_listed_and_nested_identifier_fields() -> None:
    found = {(name, path) for name, path, _ in IDENTIFIER_FIELDS}
    assert {
        ("erase_email", ("emailAddress",)),
        ("erase_phone", ("phoneNumber",)),
        ("report_content_viewed", ("viewer__email",)),
        ("meeting_integration_status", ("emails", 0)),
        ("create_meeting", ("invitees", 0, "email")),
        ("add_call", ("parties", 0, "phoneNumber")),
    } <= found
    assert len(found) >= 20


@pytest.mark.parametrize(
    ("name", "path", "kind"),
    IDENTIFIER_FIELDS,
    ids=[f"{n}.{'.'.join(map(str, p))}" for n, p, _ in IDENTIFIER_FIELDS],
)
def test_a_valid_identifier_is_accepted_and_normalized_at_every_field(
    name: str, path: Path, kind: str
) -> None:
    payload = CATALOG[name].payload_model.model_validate(_payload(name, path, GOOD[kind]))
    node: Any = payload.model_dump(mode="json", by_alias=True)
    for key in path:
        node = node[key]
    assert node == {"email": "jamie.rivera@northwind.example", "phone": "+14155550123"}[kind]


@pytest.mark.parametrize(
    ("name", "path", "value", "reason"),
    [
        pytest.param(name, path, value, reason, id=f"{name}.{'.'.join(map(str, path))}-{label}")
        for name, path, kind in IDENTIFIER_FIELDS
        for label, value, reason in BAD[kind]
    ],
)
def test_nul_control_replacement_and_invisible_characters_are_refused_by_every_identifier_field(
    name: str, path: Path, value: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        CATALOG[name].payload_model.model_validate(_payload(name, path, value))
    at_field = [e["msg"] for e in refused.value.errors() if tuple(e["loc"]) == path]
    assert at_field, f"no error at {path}: {refused.value.errors()}"
    assert reason in at_field[0]


@pytest.mark.parametrize(
    "bad",
    [
        "a..b@x.example",
        ".a@x.example",
        "a.@x.example",
        "a<b@x.example",
        "a b@x.example",
        '"a@b"@x.example',
        "a@-x.example",
        "a@x-.example",
        "a@x..example",
        "a@x.example.",
        "a@x.123",
        "a@x.e",
        "a@" + "x" * 64 + ".example",
        "a" * 65 + "@x.example",
    ],
)
def test_email_syntax_is_a_dot_atom_at_a_host_name(bad: str) -> None:
    with pytest.raises(ValueError, match="not an email address"):
        email_address(bad)


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("o'brien+erasure@mail.example.co.uk", "o'brien+erasure@mail.example.co.uk"),
        ("jörg@müller.example", "jörg@müller.example"),
        ("x@xn--mller-kva.example", "x@xn--mller-kva.example"),
    ],
)
def test_addresses_people_really_have_are_accepted(given: str, normalized: str) -> None:
    assert email_address(given) == normalized


def test_phone_numbers_keep_their_separators_optional_and_need_ascii_digits() -> None:
    assert phone_number(" +44 20 7183 8750 ") == "+442071838750"
    assert phone_number("+1.415.555.0123") == "+14155550123"
    with pytest.raises(ValueError, match=r"E\.164"):
        phone_number("+1\uff14\uff11\uff15\uff15\uff15\uff15\uff10\uff11\uff12\uff13")  # full-width


def test_an_unreadable_character_is_named_by_code_point_and_position_never_by_the_value() -> None:
    with pytest.raises(ValueError) as refused:
        email_address("jane\u200b@example.com")
    assert str(refused.value) == "email address contains an invisible format character (U+200B) at position 5"
