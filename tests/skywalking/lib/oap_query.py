"""GraphQL queries of a SkyWalking OAP 10.1.0 server (the protocol of its query-graphql-plugin).

Python 3 standard library only. Times are minute strings 'yyyy-MM-dd HHmm' in the OAP's time
zone; a MINUTE duration includes both ends.
"""

from __future__ import annotations

import datetime
import json
import re
import time
import urllib.error
import urllib.request
from typing import Optional

from oap_traffic import OapError

TIME_INFO = "{ getTimeInfo { timezone currentTimestamp } }"

# Service metric values per minute. A minute without data reads as value 0 with
# isEmptyValue true; an unknown metric name reads the same (no error).
READ_METRICS_VALUES = """query ReadMetricsValues($condition: MetricsCondition!, $duration: Duration!) {
  readMetricsValues(condition: $condition, duration: $duration) {
    label
    values { values { id value isEmptyValue } }
  }
}"""

# An MQE expression. Values are strings (null for a minute without data); an unknown metric is
# type UNKNOWN with the reason in error.
EXEC_EXPRESSION = """query ExecExpression($expression: String!, $entity: Entity!, $duration: Duration!) {
  execExpression(expression: $expression, entity: $entity, duration: $duration) {
    type
    error
    results { metric { labels { key value } } values { id value traceID } }
  }
}"""


def graphql(oap_url: str, query: str, variables: Optional[dict] = None,
            timeout: float = 10.0) -> dict:
    """The OAP's whole JSON answer to QUERY. Raises OapError when there is no JSON answer."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        oap_url.rstrip("/") + "/graphql", data=body, method="POST",
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
    except urllib.error.HTTPError as e:
        raise OapError(f"POST /graphql answered HTTP {e.code}: "
                       f"{e.read()[:300].decode(errors='replace')}") from None
    except (urllib.error.URLError, OSError) as e:
        raise OapError(f"cannot reach {oap_url}: {getattr(e, 'reason', e)}") from None
    try:
        return json.loads(text)
    except ValueError:
        raise OapError(f"POST /graphql answered no JSON: {text[:200]!r}") from None


def parse_timezone(tz: str) -> datetime.timezone:
    """'+0000', '-0530' (getTimeInfo's format) as a timezone."""
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", tz or "")
    if not m:
        raise OapError(f"unexpected OAP timezone '{tz}'")
    minutes = int(m.group(2)) * 60 + int(m.group(3))
    return datetime.timezone(datetime.timedelta(minutes=-minutes if m.group(1) == "-" else minutes))


def time_info(oap_url: str) -> tuple:
    """(timezone, current time in ms) as the OAP tells them."""
    answer = graphql(oap_url, TIME_INFO)
    info = (answer.get("data") or {}).get("getTimeInfo")
    if not info:
        raise OapError(f"getTimeInfo gave no answer: {answer}")
    return parse_timezone(info["timezone"]), int(info["currentTimestamp"])


def minute_of(ms: int, tz: datetime.timezone) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000, tz).strftime("%Y-%m-%d %H%M")


def oap_minute(oap_url: str, offset_minutes: int = 0, settle_seconds: float = 0) -> str:
    """The OAP's current minute (plus OFFSET_MINUTES). With SETTLE_SECONDS, first waits for the
    next minute when fewer than that many seconds of the current one remain, so that what is
    sent next still falls into the minute returned."""
    tz, now = time_info(oap_url)
    left = 60 - (now / 1000) % 60
    if left < settle_seconds:
        time.sleep(left + 0.05)
        tz, now = time_info(oap_url)
    return minute_of(now + offset_minutes * 60000, tz)


def service_entity(service: str, normal: bool = True) -> dict:
    return {"scope": "Service", "serviceName": service, "normal": normal}


def minute_duration(start: str, end: Optional[str] = None) -> dict:
    return {"start": start, "end": end or start, "step": "MINUTE"}


def read_metrics_values(oap_url: str, name: str, service: str, start: str,
                        end: Optional[str] = None, normal: bool = True) -> dict:
    return graphql(oap_url, READ_METRICS_VALUES, {
        "condition": {"name": name, "entity": service_entity(service, normal)},
        "duration": minute_duration(start, end)})


def exec_expression(oap_url: str, expression: str, service: str, start: str,
                    end: Optional[str] = None, normal: bool = True) -> dict:
    entity = service_entity(service, normal)
    del entity["scope"]  # deprecated in MQE: the metric tells its scope
    return graphql(oap_url, EXEC_EXPRESSION, {
        "expression": expression, "entity": entity, "duration": minute_duration(start, end)})
