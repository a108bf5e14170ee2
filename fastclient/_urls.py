"""URL and QueryParams, with httpx's API. Parsing and normalisation live in _urlparse."""

from __future__ import annotations

from collections import abc
from typing import (
    Any,
    Dict,
    ItemsView,
    Iterator,
    KeysView,
    List,
    Mapping,
    Optional,
    Tuple,
    ValuesView,
)
from urllib.parse import parse_qsl, unquote

import idna

from ._types import QueryParamTypes
from ._urlparse import MAX_URL_LENGTH, URLParts, join_parts, parse_url, replace_parts
from ._urlparse import _cache as _parse_cache
from ._utils import form_urlencode, primitive_value_to_str

__all__ = ["URL", "QueryParams"]


class URL:
    """A parsed, normalised URL (immutable)::

        >>> url = URL("https://user:pw@EXAMPLE.org:8443/a b?q=1#top")
        >>> url.scheme, url.host, url.port, url.raw_path
        ('https', 'example.org', 8443, b'/a%20b?q=1')

    Build one from a string, or from another URL, with keyword arguments replacing
    components: ``scheme``, ``username``, ``password`` (str), ``userinfo`` (bytes),
    ``host`` (str), ``port`` (int), ``netloc`` (bytes: ``host[:port]``), ``path`` (str,
    unescaped), ``query`` (bytes, escaped), ``raw_path`` (bytes: path and query),
    ``fragment`` (str) and ``params`` (anything QueryParams takes). A value of None removes
    the component. Bad input raises InvalidURL, a wrong argument type TypeError.

    What the transports read (all precomputed, so each is an attribute lookup):

    * ``url.raw_scheme``: bytes, lowercase, e.g. ``b"https"``
    * ``url.raw_host``: bytes, lowercase, IDNA-encoded (punycode), an IPv6 address
      without its brackets, e.g. ``b"xn--fiqs8s.com"``, ``b"::1"``
    * ``url.port``: int, or None when absent or the scheme's default
    * ``url.raw_path``: bytes, the request target: escaped path (``/`` when empty) and
      ``?query`` when there is one, e.g. ``b"/a%20b?q=1"``
    * ``url.netloc``: bytes, ``host[:port]`` (IPv6 in brackets): the Host header value
    * ``url._origin``: ``(raw_scheme, raw_host, port)`` with the default port filled in
      (80 for http/ws, 443 for https/wss, 21 for ftp, 0 for a scheme without a default):
      the connection pool's key.
    """

    __slots__ = ("_params", "_parts")

    _parts: URLParts
    _params: Optional[QueryParams]

    def __init__(self, url: URL | str = "", **kwargs: Any) -> None:
        if type(url) is str:  # the hot path: one dict lookup in the parse cache
            parts = _parse_cache.get(url) or parse_url(url)
        elif isinstance(url, URL):
            parts = url._parts
        elif isinstance(url, str):
            parts = parse_url(str(url))
        else:
            raise TypeError(
                f"Invalid type for url.  Expected str or fastclient.URL, got {type(url)}: {url!r}"
            )
        if kwargs:
            if "params" in kwargs:
                params = kwargs["params"]
                if params is None:
                    query = ""
                else:
                    query = str(params if type(params) is QueryParams else QueryParams(params))
                if len(kwargs) == 1 and parts.has_authority and len(query) <= MAX_URL_LENGTH:
                    # The usual copy_with(params=...): only the query changes, to what
                    # urlencoding made (nothing in it needs quoting in a query), and the
                    # other components are normalised already.
                    self._parts = URLParts(
                        parts.scheme,
                        parts.userinfo,
                        parts.host,
                        parts.port,
                        parts.path,
                        query or None,
                        parts.fragment,
                    )
                    self._params = None
                    return
                kwargs = dict(kwargs)
                del kwargs["params"]
                kwargs["query"] = query.encode("ascii") if query else None
            parts = replace_parts(parts, kwargs)
        self._parts = parts
        self._params = None

    @classmethod
    def _from_parts(cls, parts: URLParts) -> URL:
        url = cls.__new__(cls)
        url._parts = parts
        url._params = None
        return url

    # -- components ----------------------------------------------------------------------

    @property
    def scheme(self) -> str:
        """The scheme, lowercase: ``"http"``, ``"https"``, or ``""`` for a relative URL."""
        return self._parts.scheme

    @property
    def raw_scheme(self) -> bytes:
        return self._parts.raw_scheme

    @property
    def userinfo(self) -> bytes:
        """``username[:password]``, percent-encoded, as bytes."""
        return self._parts.userinfo.encode("ascii")

    @property
    def username(self) -> str:
        return unquote(self._parts.userinfo.partition(":")[0])

    @property
    def password(self) -> str:
        return unquote(self._parts.userinfo.partition(":")[2])

    @property
    def host(self) -> str:
        """The host as text: lowercase, an IPv6 address without brackets, and an IDNA
        host decoded back to Unicode (like httpx, only when the host begins ``xn--``)."""
        host = self._parts.host
        if host.startswith("xn--"):
            try:
                return str(idna.decode(host))
            except (idna.IDNAError, UnicodeError):
                return host  # not valid punycode after all: show it as it is
        return host

    @property
    def raw_host(self) -> bytes:
        return self._parts.raw_host

    @property
    def port(self) -> Optional[int]:
        """The port, or None when absent or the scheme's default (``https://h:443/``)."""
        return self._parts.port

    @property
    def netloc(self) -> bytes:
        """``host[:port]`` as bytes, what a Host header carries (no userinfo)."""
        return self._parts.netloc

    @property
    def path(self) -> str:
        """The path, unescaped; ``"/"`` when empty."""
        return unquote(self._parts.path or "/")

    @property
    def query(self) -> bytes:
        """The query string, escaped, without the ``?``."""
        query = self._parts.query
        return query.encode("ascii") if query else b""

    @property
    def params(self) -> QueryParams:
        params = self._params
        if params is None:
            params = self._params = QueryParams(self._parts.query or "")
        return params

    @property
    def raw_path(self) -> bytes:
        """The request target: the escaped path (``/`` when empty) plus ``?query``."""
        return self._parts.raw_path

    @property
    def fragment(self) -> str:
        """The fragment, unescaped, without the ``#``."""
        return unquote(self._parts.fragment or "")

    @property
    def is_absolute_url(self) -> bool:
        """Whether the URL has both a scheme and a host (what a request needs)."""
        return bool(self._parts.scheme and self._parts.host)

    @property
    def is_relative_url(self) -> bool:
        return not self.is_absolute_url

    @property
    def _origin(self) -> Tuple[bytes, bytes, int]:
        return self._parts.origin

    # -- derived URLs --------------------------------------------------------------------

    def copy_with(self, **kwargs: Any) -> URL:
        """A copy with the named components replaced (the keywords of ``URL()``)."""
        return URL(self, **kwargs)

    def copy_set_param(self, key: str, value: Any = None) -> URL:
        return self.copy_with(params=self.params.set(key, value))

    def copy_add_param(self, key: str, value: Any = None) -> URL:
        return self.copy_with(params=self.params.add(key, value))

    def copy_remove_param(self, key: str) -> URL:
        return self.copy_with(params=self.params.remove(key))

    def copy_merge_params(self, params: QueryParamTypes) -> URL:
        return self.copy_with(params=self.params.merge(params))

    def join(self, url: URL | str) -> URL:
        """Resolve ``url`` relative to this one (RFC 3986 section 5.2)::

        >>> URL("https://example.org/a/b").join("../c")
        URL('https://example.org/c')
        """
        other = url if isinstance(url, URL) else URL(url)
        return URL._from_parts(join_parts(self._parts, other._parts))

    # -- comparison and display ----------------------------------------------------------

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, URL):
            return self._parts.string == other._parts.string
        if isinstance(other, str):
            try:
                return self._parts.string == parse_url(other).string
            except Exception:
                return False
        return False

    def __hash__(self) -> int:
        return hash(self._parts.string)

    def __str__(self) -> str:
        return self._parts.string

    def __repr__(self) -> str:
        parts = self._parts
        text = parts.string
        if ":" in parts.userinfo:
            # Never show a password: keep the username, mask the rest of the userinfo.
            masked = parts.userinfo.partition(":")[0] + ":[secure]"
            text = URLParts(
                parts.scheme,
                masked,
                parts.host,
                parts.port,
                parts.path,
                parts.query,
                parts.fragment,
            ).string
        return f"{self.__class__.__name__}({text!r})"

    def __reduce__(self) -> Tuple[Any, ...]:
        return (self.__class__, (self._parts.string,))


class QueryParams(Mapping[str, str]):
    """An immutable multi-dict of query parameters::

        >>> q = QueryParams("a=1&a=2&b=3")
        >>> q["a"], q.get_list("a"), str(q.set("b", "x y"))
        ('1', ['1', '2'], 'a=1&a=2&b=x+y')

    Built from a query string (str or bytes), a mapping whose values may be lists, a list
    of pairs, or another QueryParams. Values are spelled with ``str()``, except True ->
    ``true``, False -> ``false`` and None -> ``""``. Keys keep their first-seen order;
    the values of a key stay together.
    """

    __slots__ = ("_dict",)

    _dict: Dict[str, List[str]]

    def __init__(self, *args: QueryParamTypes | None, **kwargs: Any) -> None:
        if len(args) > 1:
            raise TypeError(f"QueryParams() takes at most 1 positional argument ({len(args)})")
        if args and kwargs:
            raise TypeError("QueryParams() takes either a positional argument or keywords")
        value: Any = args[0] if args else kwargs
        items: Dict[str, List[str]] = {}
        if type(value) is dict:
            # The usual request's params, a dict of str to str or number (not bool: it
            # spells "true"), without the checks per item below; anything else in it
            # sends the whole dict the general way.
            for key, item in value.items():
                if type(key) is not str:
                    items = {}
                    break
                kind = type(item)
                if kind is str:
                    items[key] = [item]
                elif kind is int or kind is float:
                    items[key] = [str(item)]
                else:
                    items = {}
                    break
            else:
                self._dict = items
                return
        if value is None or value == "" or value == b"":
            pass
        elif isinstance(value, (str, bytes)):
            text = value.decode("ascii") if isinstance(value, bytes) else value
            for key, item in parse_qsl(text, keep_blank_values=True):
                items.setdefault(key, []).append(item)
        elif isinstance(value, QueryParams):
            items = {key: list(values) for key, values in value._dict.items()}
        else:
            pairs = value.items() if isinstance(value, abc.Mapping) else value
            for key, item in pairs:
                if isinstance(item, (list, tuple)):
                    if not item:
                        continue  # no values: no key either (httpx fails on this later)
                    converted = [primitive_value_to_str(v) for v in item]
                else:
                    converted = [primitive_value_to_str(item)]
                items.setdefault(str(key), []).extend(converted)
        self._dict = items

    @classmethod
    def _from_dict(cls, items: Dict[str, List[str]]) -> QueryParams:
        params = cls.__new__(cls)
        params._dict = items
        return params

    def keys(self) -> KeysView[str]:
        return self._dict.keys()

    def values(self) -> ValuesView[str]:
        """The first value of each key."""
        return {key: values[0] for key, values in self._dict.items()}.values()

    def items(self) -> ItemsView[str, str]:
        """(key, first value) for each key; see multi_items() for every pair."""
        return {key: values[0] for key, values in self._dict.items()}.items()

    def multi_items(self) -> List[Tuple[str, str]]:
        return [(key, value) for key, values in self._dict.items() for value in values]

    def get(self, key: Any, default: Any = None) -> Any:
        values = self._dict.get(str(key))
        return values[0] if values else default

    def get_list(self, key: str) -> List[str]:
        return list(self._dict.get(str(key), ()))

    def set(self, key: str, value: Any = None) -> QueryParams:
        """A copy with ``key`` set to the single ``value``."""
        items = dict(self._dict)
        items[str(key)] = [primitive_value_to_str(value)]
        return QueryParams._from_dict(items)

    def add(self, key: str, value: Any = None) -> QueryParams:
        """A copy with ``value`` appended to the values of ``key``."""
        items = dict(self._dict)
        items[str(key)] = [*items.get(str(key), ()), primitive_value_to_str(value)]
        return QueryParams._from_dict(items)

    def remove(self, key: str) -> QueryParams:
        """A copy without ``key``."""
        items = dict(self._dict)
        items.pop(str(key), None)
        return QueryParams._from_dict(items)

    def merge(self, params: QueryParamTypes | None = None) -> QueryParams:
        """A copy in which the keys of ``params`` replace those of this one."""
        other = QueryParams(params)
        return QueryParams._from_dict({**self._dict, **other._dict})

    def __getitem__(self, key: Any) -> str:
        return self._dict[key][0]

    def __contains__(self, key: Any) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[Any]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __bool__(self) -> bool:
        return bool(self._dict)

    def __hash__(self) -> int:
        return hash(str(self))

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, QueryParams):
            return False
        return sorted(self.multi_items()) == sorted(other.multi_items())

    def __str__(self) -> str:
        return form_urlencode(self.multi_items())

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({str(self)!r})"

    def update(self, params: QueryParamTypes | None = None) -> None:
        raise RuntimeError(
            "QueryParams are immutable. Use `q = q.merge(...)` to create an updated copy."
        )

    def __setitem__(self, key: str, value: str) -> None:
        raise RuntimeError(
            "QueryParams are immutable. Use `q = q.set(key, value)` to create an updated copy."
        )

    def __reduce__(self) -> Tuple[Any, ...]:
        return (self.__class__, (self.multi_items(),))
