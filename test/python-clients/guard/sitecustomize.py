# Loaded by Python at start-up (this folder is first on PYTHONPATH): refuses every connection to a host
# other than 127.0.0.1, at the socket and at each client's HTTP session, and records each refusal in
# $MODA_GUARD_LOG, so a client default that points at a public hub fails the test even where the
# client swallows the error (modelscope tolerates a failed acceleration probe, for one).
import os
import socket
import urllib.parse

_LOG = os.environ.get("MODA_GUARD_LOG")
_ALLOWED = {"127.0.0.1"}


def _refuse(target):
    message = f"moda test guard: refused a request to {target!r} (only 127.0.0.1 is allowed)"
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(message + "\n")
    raise ConnectionRefusedError(message)


def _check_host(host, target):
    if host not in _ALLOWED:
        _refuse(target)


def _check_url(url):
    url = str(url)
    host = urllib.parse.urlsplit(url).hostname
    _check_host(host, url)


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check_host(address[0], address)
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check_host(address[0], address)
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host is not None and (host.decode() if isinstance(host, bytes) else host) not in _ALLOWED:
        _refuse(host)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
socket.getaddrinfo = _guarded_getaddrinfo

try:
    import requests

    _request = requests.Session.request

    def _guarded_request(self, method, url, *args, **kwargs):
        _check_url(url)
        return _request(self, method, url, *args, **kwargs)

    requests.Session.request = _guarded_request
except ImportError:
    pass

try:
    import httpx

    _send = httpx.Client.send
    _async_send = httpx.AsyncClient.send

    def _guarded_send(self, request, *args, **kwargs):
        _check_url(request.url)
        return _send(self, request, *args, **kwargs)

    async def _guarded_async_send(self, request, *args, **kwargs):
        _check_url(request.url)
        return await _async_send(self, request, *args, **kwargs)

    httpx.Client.send = _guarded_send
    httpx.AsyncClient.send = _guarded_async_send
except ImportError:
    pass
