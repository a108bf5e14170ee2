"""codes: httpx's names, phrases, aliases and helpers."""

from __future__ import annotations

import httpx
import pytest

from fastclient._status_codes import codes

pytestmark = pytest.mark.public


def test_same_members_as_httpx() -> None:
    mine = [(member.name, int(member), member.phrase) for member in codes]
    assert mine == [(member.name, int(member), member.phrase) for member in httpx.codes]


def test_member_behaviour() -> None:
    assert codes.NOT_FOUND == 404 and codes(404) is codes.NOT_FOUND
    assert codes["NOT_FOUND"] is codes.NOT_FOUND
    assert str(codes.OK) == "200" and f"{codes.OK}" == "200"
    assert repr(codes.OK) == "<codes.OK: 200>"
    assert codes.OK.phrase == "OK"


@pytest.mark.parametrize("member", list(httpx.codes))
def test_lowercase_aliases(member: httpx.codes) -> None:
    alias = getattr(codes, member.name.lower())
    assert alias == int(member) and type(alias) is int


@pytest.mark.parametrize(
    "value",
    [
        100,
        103,
        199,
        200,
        226,
        299,
        300,
        308,
        399,
        400,
        418,
        451,
        499,
        500,
        511,
        599,
        600,
        99,
        0,
        999,
    ],
)
def test_helpers_match_httpx(value: int) -> None:
    for name in (
        "is_informational",
        "is_success",
        "is_redirect",
        "is_client_error",
        "is_server_error",
        "is_error",
        "get_reason_phrase",
    ):
        assert getattr(codes, name)(value) == getattr(httpx.codes, name)(value), name


def test_unknown_reason_phrase_is_empty() -> None:
    assert codes.get_reason_phrase(299) == ""
