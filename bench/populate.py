#!/usr/bin/env python3
"""Fills a running server for bench/durability: N files of SIZE bytes and N key-value keys, over one keep-alive HTTPS connection each."""
import base64, http.client, json, os, ssl, sys, threading

port, token, count, size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
context = ssl._create_unverified_context()
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

def worker(start, step):
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context)
    for i in range(start, count, step):
        body = json.dumps({"name": f"bench/file-{i:05d}.bin", "content_type": "application/octet-stream",
                           "bytes": base64.b64encode(os.urandom(size)).decode()})
        connection.request("POST", "/my-own-cluster/api/blob/register", body, headers)
        response = connection.getresponse(); response.read()
        assert response.status == 200, response.status
        connection.request("PUT", f"/my-own-cluster/api/kv/bench-{i % 10}/key-{i:05d}", os.urandom(64), {"Authorization": headers["Authorization"]})
        response = connection.getresponse(); response.read()
        assert response.status == 200, response.status

threads = [threading.Thread(target=worker, args=(n, 4)) for n in range(4)]
for t in threads: t.start()
for t in threads: t.join()
