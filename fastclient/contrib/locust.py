"""Locust users whose ``client`` is a fastclient Client, for load spread over many machines.

    from locust import task, between
    from fastclient.contrib.locust import FastClientUser

    class Shopper(FastClientUser):
        wait_time = between(0.1, 0.5)

        @task
        def browse(self) -> None:
            self.client.get("/items", params={"page": 2})
            self.client.get(f"/items/{42}", name="/items/[id]")

Every request goes through ``client.send`` (get/post/request/stream alike), where it is
timed and reported to Locust's ``request`` event with its name, response time (ms),
response length and exception, so Locust's statistics, its web UI and its master/worker
mode work as with its own HttpUser. Requests are reported as failures when the response
status is 4xx or 5xx (as HttpUser does) or when the request itself fails; in the latter
case the task is also ended with ``RescheduleTask`` (there is no response to go on with),
so a refused connection is counted once and does not print a traceback per request.

Locust runs users as gevent greenlets and monkey-patches the standard library before it
imports the locustfile; fastclient's sync client uses plain blocking sockets and
threading locks, which the patching makes cooperative. Install with
``pip install fastclient[locust]``.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
from typing import Any, ClassVar, Dict, Iterator, Optional

from locust import User
from locust.exception import RescheduleTask

from .. import Client, Request, Response
from .._exceptions import HTTPStatusError

__all__ = ["FastClientUser", "LocustClient"]


class LocustClient(Client):
    """A fastclient Client that reports each request to a Locust environment."""

    def __init__(self, *, user: Optional[User] = None, request_event: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._user = user
        self._request_event = request_event
        self._name: Optional[str] = None  # set for one request (name=...) or a block

    @contextlib.contextmanager
    def rename_request(self, name: str) -> Iterator[None]:
        """Report every request inside the block under ``name`` (as Locust's HttpSession);
        also the way to name ``client.stream(...)`` requests."""
        previous, self._name = self._name, name
        try:
            yield
        finally:
            self._name = previous

    def request(
        self, method: str, url: Any, *, name: Optional[str] = None, **kwargs: Any
    ) -> Response:
        if name is None:
            return super().request(method, url, **kwargs)
        with self.rename_request(name):
            return super().request(method, url, **kwargs)

    # httpx's helpers call request() with a fixed set of keywords; these let them take
    # ``name=`` too, as Locust users are used to.
    def get(self, url: Any, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def options(self, url: Any, **kwargs: Any) -> Response:
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: Any, **kwargs: Any) -> Response:
        return self.request("HEAD", url, **kwargs)

    def post(self, url: Any, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: Any, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: Any, **kwargs: Any) -> Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: Any, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)

    def send(self, request: Request, **kwargs: Any) -> Response:
        url = request.url
        name = self._name
        if name is None:
            name = url.raw_path.decode("ascii", "replace")  # path and query, as sent
        start_time = time.time()
        t0 = time.perf_counter()
        response: Optional[Response] = None
        exception: Optional[BaseException] = None
        try:
            response = super().send(request, **kwargs)
        except Exception as exc:  # reported to Locust; see the module docstring
            exception = exc
        elapsed_ms = (time.perf_counter() - t0) * 1000.0
        length = 0
        if response is not None:
            if kwargs.get("stream"):
                declared = response.headers.get("content-length", "")
                length = int(declared) if declared.isdigit() else 0
            else:
                length = len(response.content)
            if response.status_code >= 400:
                exception = HTTPStatusError(
                    f"{response.status_code} {response.reason_phrase} for {url}",
                    request=request,
                    response=response,
                )
        self._request_event.fire(
            request_type=request.method,
            name=name,
            response_time=elapsed_ms,
            response_length=length,
            response=response,
            context=self._user.context() if self._user is not None else {},
            exception=exception,
            start_time=start_time,
            url=str(url),
        )
        if response is None:
            raise RescheduleTask() from exception
        return response


_ssl_context: Optional[ssl.SSLContext] = None


def _shared_ssl_context() -> ssl.SSLContext:
    global _ssl_context
    if _ssl_context is None:
        from .._config import create_ssl_context

        _ssl_context = create_ssl_context()
    return _ssl_context


class FastClientUser(User):
    """A Locust User with ``self.client``, a :class:`LocustClient` for ``self.host``.

    Subclass it and set ``client_options`` (a dict of Client keyword arguments: timeout,
    headers, verify, http2...) to configure the client.
    """

    abstract = True
    client_options: ClassVar[Dict[str, Any]] = {}

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        if self.host is None:
            raise ValueError(
                "You must specify the base host, either in the host attribute of the User"
                " class or on the command line with --host."
            )
        quiet = logging.getLogger("fastclient")
        if quiet.level == logging.NOTSET:
            # fastclient logs each request at INFO (as httpx does), and Locust shows INFO:
            # at thousands of requests a second that is noise and CPU. An explicit level
            # set by the user is left alone.
            quiet.setLevel(logging.WARNING)
        options = dict(self.client_options)
        if "verify" not in options:
            # Building a verifying SSL context loads the whole CA bundle (about 0.25 s);
            # hundreds of users per worker share one instead of each building its own.
            options["verify"] = _shared_ssl_context()
        self.client = LocustClient(
            user=self,
            request_event=environment.events.request,
            base_url=self.host,
            **options,
        )

    def on_stop(self) -> None:
        self.client.close()
