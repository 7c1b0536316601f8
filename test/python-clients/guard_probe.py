# Proves the guard of sitecustomize.py: requests, httpx and a raw socket to public hubs are refused
# (and logged) before any name is resolved, while 127.0.0.1 stays reachable. Run by guard.test.ts.
import os
import socket

import httpx
import requests

for call in (
    lambda: requests.get("https://huggingface.co/api/whoami-v2", timeout=1),
    lambda: httpx.get("https://www.modelscope.cn/api/v1/repos/internalAccelerationInfo", timeout=1),
    lambda: socket.create_connection(("hf.co", 443), timeout=1),
):
    try:
        call()
    except Exception as error:  # each library wraps the refusal its own way
        assert "moda test guard" in repr(error) or "moda test guard" in repr(error.__context__), repr(error)
    else:
        raise AssertionError("a request to a public host was not refused")

assert requests.get(os.environ["LOCAL_URL"] + "/healthz", timeout=5).json() == {"status": "ok"}
print("ok guard")
