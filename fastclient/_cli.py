"""``fastclient get URL`` and ``fastclient request METHOD URL``: send one request, print it.

Modelled on httpx's command line but built on argparse alone (a client library should not
pull a terminal toolkit into every install). The output is the response's status line,
its headers, a blank line and the body; ``-v`` also shows the request (and each redirect
hop with ``-L``). Binary bodies are summarised unless ``--download`` saves them. The exit
status is 0 for a 2xx response, 1 for any other response or a request error, 2 for a
usage error.
"""

from __future__ import annotations

import argparse
import json as jsonlib
import sys
from typing import IO, Any, Dict, List, Optional, Sequence, Tuple

__all__ = ["main"]

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


def _pairs(values: Optional[Sequence[str]], sep: str, what: str) -> List[Tuple[str, str]]:
    pairs: List[Tuple[str, str]] = []
    for item in values or ():
        name, found, value = item.partition(sep)
        if not found:
            raise ValueError(f"{what} {item!r} should look like NAME{sep}VALUE")
        pairs.append((name.strip(), value.strip() if sep == ":" else value))
    return pairs


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastclient", description="Send an HTTP request and print the response."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    get = commands.add_parser("get", help="send a GET request")
    get.add_argument("url")
    request = commands.add_parser("request", help="send a request with any method")
    request.add_argument("method")
    request.add_argument("url")
    for sub in (get, request):
        _add_options(sub, with_body=sub is request)
    return parser


def _add_options(parser: argparse.ArgumentParser, *, with_body: bool) -> None:
    add = parser.add_argument
    add("-H", "--header", action="append", metavar="'NAME: VALUE'", help="add a header")
    add("-p", "--param", action="append", metavar="NAME=VALUE", help="add a query parameter")
    if with_body:
        add("-c", "--content", metavar="TEXT", help="request body (@FILE reads a file)")
        add("-d", "--data", action="append", metavar="NAME=VALUE", help="a form field")
        add("-f", "--file", action="append", metavar="NAME=PATH", help="a multipart file")
        add("-j", "--json", metavar="JSON", help="a JSON request body")
    add("-a", "--auth", metavar="USER:PASSWORD", help="basic (or --digest) credentials")
    add("--digest", action="store_true", help="use digest authentication for --auth")
    add("--proxy", metavar="URL", help="send the request through this proxy")
    add("--timeout", type=float, default=5.0, metavar="SECONDS", help="default: 5")
    add("-L", "--follow-redirects", action="store_true", help="follow redirects")
    add("-k", "--no-verify", action="store_true", help="skip TLS certificate verification")
    add("--cacert", metavar="PEM", help="trust the CA certificates in this file")
    add("--http2", action="store_true", help="offer HTTP/2 (over TLS, via ALPN)")
    add("-o", "--download", metavar="FILE", help="save the body to FILE")
    add("-v", "--verbose", action="store_true", help="show the request(s) as well")


def _request_kwargs(args: argparse.Namespace) -> Dict[str, Any]:
    kwargs: Dict[str, Any] = {
        "headers": _pairs(args.header, ":", "header"),
        "params": _pairs(args.param, "=", "parameter"),
        "follow_redirects": args.follow_redirects,
    }
    if getattr(args, "content", None) is not None:
        content: str = args.content
        if content.startswith("@"):
            with open(content[1:], "rb") as f:
                kwargs["content"] = f.read()
        else:
            kwargs["content"] = content.encode("utf-8")
    if getattr(args, "data", None):
        kwargs["data"] = dict(_pairs(args.data, "=", "form field"))
    if getattr(args, "file", None):
        kwargs["files"] = [
            (name, (path.rsplit("/", 1)[-1], open(path, "rb")))  # noqa: SIM115 - closed below
            for name, path in _pairs(args.file, "=", "file")
        ]
    if getattr(args, "json", None) is not None:
        kwargs["json"] = jsonlib.loads(args.json)
    if args.auth is not None:
        user, _, password = args.auth.partition(":")
        from ._auth import BasicAuth, DigestAuth

        kwargs["auth"] = DigestAuth(user, password) if args.digest else BasicAuth(user, password)
    return kwargs


def _print_message(out: IO[str], first_line: str, headers: Any, prefix: str = "") -> None:
    out.write(f"{prefix}{first_line}\n")
    for name, value in headers.multi_items():
        out.write(f"{prefix}{name}: {value}\n")
    out.write(f"{prefix}\n" if prefix else "\n")


def _print_request(out: IO[str], request: Any) -> None:
    target = request.url.raw_path.decode("ascii")
    _print_message(out, f"{request.method} {target} HTTP/1.1", request.headers, "> ")


def _print_response(out: IO[str], response: Any) -> None:
    from ._status_codes import codes

    # Servers may send no reason phrase (hypercorn does not); show the standard one.
    reason = response.reason_phrase or codes.get_reason_phrase(response.status_code)
    line = f"{response.http_version} {response.status_code} {reason}"
    _print_message(out, line, response.headers)


def _is_text(response: Any) -> bool:
    content_type = response.headers.get("content-type", "").lower()
    if not content_type:  # untyped: text if it decodes
        try:
            response.content.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    return (
        content_type.startswith(_TEXT_TYPES)
        or "+json" in content_type
        or ("charset=" in content_type)
    )


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; returns the exit status (``fastclient.__main__`` wraps it)."""
    from ._client import Client
    from ._exceptions import HTTPError, InvalidURL

    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return int(exc.code or 0)
    out = sys.stdout
    method = "GET" if args.command == "get" else args.method.upper()
    try:
        kwargs = _request_kwargs(args)
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"fastclient: {exc}\n")
        return 2
    verify: Any = args.cacert if args.cacert else not args.no_verify
    files = kwargs.get("files", [])
    try:
        with Client(
            proxy=args.proxy, timeout=args.timeout, verify=verify, http2=args.http2
        ) as client:
            if args.download:
                with (
                    client.stream(method, args.url, **kwargs) as response,
                    open(args.download, "wb") as sink,
                ):
                    for chunk in response.iter_bytes():
                        sink.write(chunk)
            else:
                response = client.request(method, args.url, **kwargs)
    except (HTTPError, InvalidURL) as exc:
        sys.stderr.write(f"fastclient: {type(exc).__name__}: {exc}\n")
        return 1
    finally:
        for _, (_, handle) in files:
            handle.close()

    for hop in [*response.history, response]:
        if args.verbose:
            _print_request(out, hop.request)
        if hop is not response:
            _print_response(out, hop)
    _print_response(out, response)
    if args.download:
        out.write(f"[{response.num_bytes_downloaded} bytes saved to {args.download}]\n")
    elif _is_text(response):
        text = response.text
        out.write(text if text.endswith("\n") or not text else text + "\n")
    elif response.content:
        out.write(f"[{len(response.content)} bytes of binary data]\n")
    out.flush()
    return 0 if response.is_success else 1
