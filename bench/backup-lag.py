#!/usr/bin/env python3
"""bench/backup-lag.py PORT TOKEN DIRECTORY COUNT: the continuous-backup lag seen from outside. Writes COUNT unique
markers (one every 200 ms) over HTTPS and, for each, measures from its acknowledgement to the moment a segment file in
DIRECTORY holds its bytes. Prints "p50 p99 max" in milliseconds."""
import glob, http.client, os, ssl, sys, time, uuid

port, token, directory, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
connection = http.client.HTTPSConnection("127.0.0.1", int(port), context=context)
headers = {"Authorization": "Bearer " + token}
seen = {}

def segments():
    for path in glob.glob(os.path.join(directory, "*", "*.seg")):
        if path not in seen:
            seen[path] = open(path, "rb").read()
    return seen.values()

lags = []
for i in range(count):
    marker = uuid.uuid4().hex.encode()
    connection.request("PUT", "/my-own-cluster/api/kv/lag/marker-%d" % i, marker, headers)
    response = connection.getresponse()
    response.read()
    acknowledged = time.monotonic()
    if response.status != 200:
        sys.exit("PUT: %d" % response.status)
    while not any(marker in segment for segment in segments()):
        if time.monotonic() - acknowledged > 30:
            sys.exit("marker %d never reached the backup directory" % i)
        time.sleep(0.005)
    lags.append((time.monotonic() - acknowledged) * 1000)
    time.sleep(0.2)
lags.sort()
print("%.0f %.0f %.0f" % (lags[len(lags) // 2], lags[min(len(lags) - 1, int(len(lags) * 0.99))], lags[-1]))
