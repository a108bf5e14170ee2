"""The stream errors: httpx's classes, each taking an optional message."""

from __future__ import annotations

import pickle

import httpx
import pytest

from fastclient._exceptions import (
    RequestNotRead,
    ResponseNotRead,
    StreamClosed,
    StreamConsumed,
    StreamError,
)

pytestmark = pytest.mark.public

CLASSES = [StreamConsumed, StreamClosed, ResponseNotRead, RequestNotRead]


@pytest.mark.parametrize("cls", CLASSES)
def test_message_is_optional(cls: type[StreamError]) -> None:
    default = cls()
    assert isinstance(default, RuntimeError)
    assert str(default).startswith("Attempted to ")
    assert default.args == (str(default),)
    custom = cls("Cannot follow the redirect: the body was a stream.")
    assert str(custom) == "Cannot follow the redirect: the body was a stream."
    assert custom.args == ("Cannot follow the redirect: the body was a stream.",)


@pytest.mark.parametrize("cls", CLASSES)
def test_pickles_with_its_message(cls: type[StreamError]) -> None:
    # Exceptions unpickle as cls(*args): a class whose __init__ took no message could not.
    for error in (cls(), cls("why")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is cls and copy.args == error.args


@pytest.mark.parametrize("name", ["StreamClosed", "ResponseNotRead", "RequestNotRead"])
def test_default_texts_match_httpx(name: str) -> None:
    import fastclient

    assert str(getattr(fastclient, name)()) == str(getattr(httpx, name)())
