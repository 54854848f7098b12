#!/usr/bin/env python3
"""bench/register-many.py PORT TOKEN COUNT WASM: registers COUNT distinct functions (the module with a custom section
holding the index appended, so every one has its own tech id) over 4 keep-alive HTTPS connections."""
import base64, http.client, json, ssl, sys, threading

port, token, count, wasm = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), open(sys.argv[4], "rb").read()
context = ssl._create_unverified_context()
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

def leb(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)

def variant(i):
    name, payload = b"moc-bench", str(i).encode()
    body = leb(len(name)) + name + payload
    return wasm + b"\x00" + leb(len(body)) + body

def worker(start, step):
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
    for i in range(start, count, step):
        body = json.dumps({"name": f"idle-{i:05d}", "content_type": "application/wasm", "bytes": base64.b64encode(variant(i)).decode()})
        connection.request("POST", "/my-own-cluster/api/blob/register", body, headers)
        response = connection.getresponse(); text = response.read()
        assert response.status == 200, (response.status, text)

threads = [threading.Thread(target=worker, args=(n, 4)) for n in range(4)]
for t in threads: t.start()
for t in threads: t.join()
