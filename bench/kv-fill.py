#!/usr/bin/env python3
"""bench/kv-fill.py PORT TOKEN NAMESPACE COUNT VALUE_BYTES: fills a namespace with keys key-0000000.. through REST
batches (POST kv/NAMESPACE, 1000 sets each) over one keep-alive HTTPS connection."""
import base64, http.client, json, ssl, sys

port, token, ns, count, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
connection = http.client.HTTPSConnection("127.0.0.1", int(port), context=context)
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
per_batch = max(1, min(1000, (16 * 1024 * 1024) // max(1, size)))
for start in range(0, count, per_batch):
    ops = [{"op": "set", "key": "key-%07d" % i, "value": base64.b64encode(("%d" % i).encode().ljust(size, b"."))
            .decode()} for i in range(start, min(count, start + per_batch))]
    connection.request("POST", "/my-own-cluster/api/kv/" + ns, json.dumps({"ops": ops}), headers)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        sys.exit("batch at %d: %d %s" % (start, response.status, body[:200]))
