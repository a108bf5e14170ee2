"""The httpx-compatible models in one import: Request and Response (each in its own
module), with the Headers, Cookies, URL and QueryParams they are built from."""

from __future__ import annotations

from ._cookies import Cookies
from ._headers import Headers
from ._request import Request
from ._response import Response
from ._urls import URL, QueryParams

__all__ = ["URL", "Cookies", "Headers", "QueryParams", "Request", "Response"]
