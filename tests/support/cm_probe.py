"""Timing probes against the sandbox's kube-apiserver for the API flood test and the API
benchmark: how long until a ConfigMap shows a value. Talks to the apiserver directly (the
cluster.env's URL, CA and admin token) and polls every 5 ms, so the figure is what a client of
the cluster would see, without kubectl's start-up time.

    python3 cm_probe.py heal NAMESPACE NAME...   # per NAME: patch data.v away, time until it is back
    python3 cm_probe.py wait NAMESPACE NAME VALUE SECONDS
Environment: APISERVER_URL, CA_FILE, ADMIN_TOKEN (from the sandbox's cluster.env).
"""
import json
import os
import ssl
import sys
import time
import urllib.request

URL = os.environ["APISERVER_URL"]
CONTEXT = ssl.create_default_context(cafile=os.environ["CA_FILE"])
HEADERS = {"Authorization": "Bearer " + os.environ["ADMIN_TOKEN"]}


def request(method, path, body=None, content_type="application/json"):
    headers = dict(HEADERS)
    if body is not None:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(URL + path, data=body, headers=headers, method=method)
    with urllib.request.urlopen(req, context=CONTEXT, timeout=10) as answer:
        return json.loads(answer.read())


def value(namespace, name):
    try:
        return request("GET", f"/api/v1/namespaces/{namespace}/configmaps/{name}")["data"]["v"]
    except Exception:
        return None


def wait(namespace, name, wanted, seconds):
    """Milliseconds until data.v == wanted; None on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if value(namespace, name) == wanted:
            return (time.monotonic() - start) * 1000
        time.sleep(0.005)
    return None


def heal(namespace, names):
    """One trial per ConfigMap: several objects rather than one drifted again and again, which
    gitopsd would rightly treat as a fight and back off from."""
    results = []
    for trial, name in enumerate(names):
        good = value(namespace, name)
        if good is None:
            sys.exit(f"configmap {namespace}/{name} not found")
        patch = json.dumps({"data": {"v": f"drift-{trial}"}}).encode()
        start = time.monotonic()
        request("PATCH", f"/api/v1/namespaces/{namespace}/configmaps/{name}", patch,
                "application/merge-patch+json")
        healed = wait(namespace, name, good, 30) is not None
        results.append((time.monotonic() - start) * 1000 if healed else None)
        time.sleep(0.3)
    return results


def summary(values):
    done = sorted(v for v in values if v is not None)
    if not done:
        return "no trial finished"
    p50 = done[len(done) // 2]
    p99 = done[min(len(done) - 1, int(len(done) * 0.99))]
    return f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {done[-1]:.0f} ms, {len(values) - len(done)} timed out"


if __name__ == "__main__":
    if sys.argv[1] == "heal":
        results = heal(sys.argv[2], sys.argv[3:])
        print(json.dumps({"ms": results, "summary": summary(results)}))
    elif sys.argv[1] == "wait":
        took = wait(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
        print("timeout" if took is None else f"{took:.0f}")
        sys.exit(0 if took is not None else 1)
