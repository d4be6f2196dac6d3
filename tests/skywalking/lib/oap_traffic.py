"""Synthetic service traffic for a SkyWalking OAP server, as real trace segments.

Each request becomes one trace segment with one Entry span (HTTP, component Tomcat), posted as
JSON to the OAP's ``POST /v3/segments``. The OAP's own analysis turns them into service metrics
(service_apdex, service_cpm, service_resp_time, service_sla), exactly as it would for an agent.

Errors are spread evenly, not drawn at random: a service with error rate 0.3 fails exactly 3 of
every 10 requests, so the metrics of a batch are known in advance.

Python 3 standard library only. Importable (``Service``, ``build_segment``, ``post_segments``,
``send_batch``, ``run_continuous``) and driven by the ``feed`` command line.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
import urllib.error
import urllib.request
import uuid
from typing import Callable, Iterable, Optional

# SkyWalking component id of the Entry spans (1 is Tomcat in its component-libraries.yml).
COMPONENT_ID = 1

# Endpoints of the Bookinfo services, by short service name.
BOOKINFO_ENDPOINTS = {
    "productpage": ["GET:/productpage", "GET:/api/v1/products", "POST:/login"],
    "reviews": ["GET:/reviews/{id}"],
    "ratings": ["GET:/ratings/{id}"],
    "details": ["GET:/details/{id}"],
}


class OapError(Exception):
    """The OAP could not be reached or refused the segments."""


def short_name(service: str) -> str:
    """The workload part of a service name: 'reviews' for Istio/TSB names such as
    'canary|reviews|bookinfo|cluster-1|-', the name itself otherwise."""
    parts = service.split("|")
    return parts[1] if len(parts) >= 2 and parts[1] else service


def default_instance(service: str) -> str:
    """A plausible, stable pod name for SERVICE, e.g. 'reviews-6f8c9b7d4-x2k9q'."""
    digest = hashlib.sha256(service.encode()).hexdigest()
    return f"{short_name(service)}-{digest[:9]}-{digest[9:14]}"


@dataclasses.dataclass
class Service:
    """One service to send traffic for.

    latency_ms: duration of every request; error_rate: share of failed requests in [0, 1];
    instance: the service instance (pod) name, derived from the name when empty; endpoints:
    endpoint names used in turn, Bookinfo's or 'GET:/' when empty.
    """

    name: str
    latency_ms: int = 20
    error_rate: float = 0.0
    instance: str = ""
    endpoints: list = dataclasses.field(default_factory=list)
    sent: int = 0
    errors: int = 0

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("service name is empty")
        if self.latency_ms < 0:
            raise ValueError(f"{self.name}: negative latency {self.latency_ms}")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"{self.name}: error rate {self.error_rate} is not in [0, 1]")
        if not self.instance:
            self.instance = default_instance(self.name)
        if not self.endpoints:
            self.endpoints = list(BOOKINFO_ENDPOINTS.get(short_name(self.name), ["GET:/"]))

    @classmethod
    def parse(cls, spec: str) -> "Service":
        """NAME[:LATENCY_MS[:ERROR_RATE]]; NAME may itself contain '|' but not ':'."""
        fields = spec.split(":")
        if len(fields) > 3:
            raise ValueError(f"bad service spec '{spec}' (NAME[:LATENCY_MS[:ERROR_RATE]])")
        try:
            latency = int(fields[1]) if len(fields) > 1 and fields[1] else 20
            rate = float(fields[2]) if len(fields) > 2 and fields[2] else 0.0
        except ValueError as e:
            raise ValueError(f"bad service spec '{spec}': {e}") from None
        return cls(name=fields[0], latency_ms=latency, error_rate=rate)

    def next_is_error(self) -> bool:
        """Whether the next request fails, keeping errors/sent at error_rate at every step."""
        return math.floor((self.sent + 1) * self.error_rate + 1e-9) > self.errors

    def next_endpoint(self) -> str:
        return self.endpoints[self.sent % len(self.endpoints)]


def build_segment(service: str, instance: str, endpoint: str, start_ms: int, latency_ms: int,
                  is_error: bool) -> dict:
    """One trace segment (SkyWalking's SegmentObject in its JSON form) with one Entry span."""
    method, _, path = endpoint.partition(":")
    status = "500" if is_error else "200"
    return {
        "traceId": uuid.uuid4().hex,
        "traceSegmentId": uuid.uuid4().hex,
        "service": service,
        "serviceInstance": instance,
        "spans": [{
            "spanId": 0,
            "parentSpanId": -1,
            "startTime": start_ms,
            "endTime": start_ms + latency_ms,
            "operationName": endpoint,
            "peer": "",
            "spanType": "Entry",
            "spanLayer": "Http",
            "componentId": COMPONENT_ID,
            "isError": is_error,
            "skipAnalysis": False,
            "tags": [
                {"key": "http.method", "value": method or "GET"},
                {"key": "url", "value": path or endpoint},
                {"key": "http.status_code", "value": status},
            ],
        }],
    }


def post_segments(oap_url: str, segments: list, timeout: float = 10.0) -> None:
    """Posts SEGMENTS (a list) to OAP_URL/v3/segments. Raises OapError on any failure."""
    if not segments:
        return
    body = json.dumps(segments).encode()
    request = urllib.request.Request(
        oap_url.rstrip("/") + "/v3/segments", data=body, method="POST",
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            if response.status != 200:
                raise OapError(f"POST /v3/segments answered HTTP {response.status}")
    except urllib.error.HTTPError as e:
        detail = e.read()[:300].decode(errors="replace")
        raise OapError(f"POST /v3/segments answered HTTP {e.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as e:
        raise OapError(f"cannot reach {oap_url}: {getattr(e, 'reason', e)}") from None


def take_requests(service: Service, count: int, start_ms: int, spread_ms: int = 0) -> list:
    """COUNT segments for SERVICE whose requests start evenly over [START_MS, START_MS +
    SPREAD_MS), updating service.sent and service.errors. (The OAP files a request under the
    minute its span starts in.)"""
    segments = []
    for i in range(count):
        is_error = service.next_is_error()
        start = start_ms + i * spread_ms // max(count, 1)
        segments.append(build_segment(service.name, service.instance, service.next_endpoint(),
                                      start, service.latency_ms, is_error))
        service.sent += 1
        service.errors += int(is_error)
    return segments


def send_batch(oap_url: str, service: Service, count: int, start_ms: Optional[int] = None,
               chunk: int = 500) -> None:
    """Sends COUNT requests of SERVICE that all start at START_MS (default: now), so they fall
    into one minute of the OAP's metrics."""
    start = int(time.time() * 1000) if start_ms is None else start_ms
    segments = take_requests(service, count, start)
    for i in range(0, len(segments), chunk):
        post_segments(oap_url, segments[i:i + chunk])


def run_continuous(oap_url: str, services: Iterable[Service], rate: float, duration: float,
                   tick: float = 1.0, on_tick: Optional[Callable[[float, list], None]] = None,
                   should_stop: Callable[[], bool] = lambda: False) -> None:
    """Sends RATE requests per second for every service during DURATION seconds, one POST per
    TICK seconds carrying the requests of that tick. Stops early when should_stop() is true.
    on_tick(elapsed_seconds, services) is called after each POST."""
    services = list(services)
    if rate <= 0:
        raise ValueError("rate must be positive")
    start = time.monotonic()
    owed = {id(s): 0.0 for s in services}
    ticks = 0
    while not should_stop():
        elapsed = time.monotonic() - start
        if elapsed >= duration:
            break
        # The requests of the tick that just passed, started evenly over it.
        tick_start_ms = int((time.time() - tick) * 1000)
        batch = []
        for s in services:
            owed[id(s)] += rate * tick
            n = int(owed[id(s)] + 1e-9)
            owed[id(s)] -= n
            batch.extend(take_requests(s, n, tick_start_ms, int(tick * 1000)))
        post_segments(oap_url, batch)
        ticks += 1
        if on_tick:
            on_tick(time.monotonic() - start, services)
        next_at = start + ticks * tick
        pause = min(next_at, start + duration) - time.monotonic()
        if pause > 0:
            time.sleep(pause)
