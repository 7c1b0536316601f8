# Proves the guard of sitecustomize.py: requests, httpx and a raw socket to any host but 127.0.0.1
# are refused (and logged) before anything is resolved or sent, while 127.0.0.1 stays reachable.
# The refused target is `localhost` (not the literal 127.0.0.1 the guard allows), so nothing could
# leave the machine even if the guard failed. Run by guard.test.ts.
import os
import socket

import httpx
import requests

for call in (
    lambda: requests.get("http://localhost:9/api/whoami-v2", timeout=1),
    lambda: httpx.get("http://localhost:9/api/v1/repos/internalAccelerationInfo", timeout=1),
    lambda: socket.create_connection(("localhost", 9), timeout=1),
):
    try:
        call()
    except Exception as error:  # each library wraps the refusal its own way
        assert "moda test guard" in repr(error) or "moda test guard" in repr(error.__context__), repr(error)
    else:
        raise AssertionError("a request to a host other than 127.0.0.1 was not refused")

assert requests.get(os.environ["LOCAL_URL"] + "/healthz", timeout=5).json()["status"] == "ok"
print("ok guard")
