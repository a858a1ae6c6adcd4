"""Local servers that speak the documented REST shapes and paging of the CRM and helpdesk APIs the connectors read
(no vendor ships one): real HTTP on a free loopback port, an in-memory book the tests change, authentication
checked, and the APIs' own limits (HubSpot's 10,000-result search window, rate limits answered 429)."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import itertools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeApi:
    """Routes (method, path regex) → handler(match, query, body, headers) → (status, JSON)."""

    def __init__(self):
        self.routes = []
        self.calls = []  # (method, path) of every request, for the tests to read
        self.throttle = 0  # answer this many next requests 429 (a rate limit)
        self.lock = threading.Lock()

    def route(self, method: str, pattern: str):
        def register(handler):
            self.routes.append((method, re.compile(pattern + "$"), handler))
            return handler
        return register

    def authorized(self, headers) -> bool:
        return True

    def handle(self, method: str, url: str, body: bytes, headers) -> tuple[int, object, dict]:
        parts = urlsplit(url)
        with self.lock:
            self.calls.append((method, parts.path))
            if self.throttle:
                self.throttle -= 1
                return 429, {"message": "You have reached your rate limit."}, {"Retry-After": "0"}
            if not self.authorized(headers):
                return 401, {"message": "Authentication credentials not found."}, {}
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            try:
                payload = json.loads(body) if body else None
            except ValueError:
                return 400, {"message": "invalid JSON"}, {}
            for route_method, pattern, handler in self.routes:
                match = pattern.match(parts.path)
                if route_method == method and match:
                    status, answer = handler(match, query, payload, headers)
                    return status, answer, {}
        return 404, {"message": f"no route {method} {parts.path}"}, {}

    @contextlib.contextmanager
    def running(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer, extra = api.handle(self.command, self.path, body, self.headers)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in extra.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = _serve

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


# ---- HubSpot CRM v3 --------------------------------------------------------------------------------------------

class HubSpotApi(FakeApi):
    """Owners, companies, contacts and deals; list and search (filterGroups with GT on a property, ascending sort,
    ``after`` paging, the 10,000-result window), single reads, deal→company associations (v4 batch read), and
    batch updates (what a write-back sets)."""

    MODIFIED = {"companies": "hs_lastmodifieddate", "contacts": "lastmodifieddate", "deals": "hs_lastmodifieddate"}
    WINDOW = 10_000

    def __init__(self, token="pat-test"):
        super().__init__()
        self.token = token
        self.clock = itertools.count(1_700_000_000_000, 1000)  # milliseconds, one second apart
        self.objects = {"companies": {}, "contacts": {}, "deals": {}}
        self.owners = []
        self.deal_companies = {}
        self.updates = []  # batch updates received
        self.ids = itertools.count(101)

        @self.route("GET", r"/crm/v3/owners")
        def owners(match, query, body, headers):
            return self.paged(self.owners, query)

        @self.route("GET", r"/crm/v3/objects/(\w+)")
        def listing(match, query, body, headers):
            return self.paged([self.shown(o, query) for o in self.objects[match[1]].values()], query)

        @self.route("GET", r"/crm/v3/objects/(\w+)/(\d+)")
        def one(match, query, body, headers):
            found = self.objects[match[1]].get(match[2])
            return (200, self.shown(found, query)) if found else (404, {"message": "resource not found"})

        @self.route("POST", r"/crm/v3/objects/(\w+)/search")
        def search(match, query, body, headers):
            kind = match[1]
            rows = list(self.objects[kind].values())
            for group in body.get("filterGroups") or []:
                for f in group.get("filters") or []:
                    if f["operator"] == "GT":
                        rows = [r for r in rows if _ms(r["properties"].get(f["propertyName"])) > int(f["value"])]
            for sort in body.get("sorts") or []:
                rows.sort(key=lambda r: _ms(r["properties"].get(sort["propertyName"])),
                          reverse=sort.get("direction") == "DESCENDING")
            after, limit = int(body.get("after") or 0), min(int(body.get("limit") or 10), 200)
            if after + limit > self.WINDOW:
                return 400, {"status": "error", "message": "The search API returns at most 10,000 results"}
            page = rows[after:after + limit]
            shown = [self.shown(r, {"properties": ",".join(body.get("properties") or [])}) for r in page]
            answer = {"total": len(rows), "results": shown}
            if after + limit < len(rows):
                answer["paging"] = {"next": {"after": str(after + limit)}}
            return 200, answer

        @self.route("POST", r"/crm/v4/associations/deals/companies/batch/read")
        def associations(match, query, body, headers):
            return 200, {"status": "COMPLETE", "results": [
                {"from": {"id": i["id"]}, "to": [{"toObjectId": int(c), "associationTypes": []}
                                                 for c in self.deal_companies.get(str(i["id"]), [])]}
                for i in body["inputs"]]}

        @self.route("POST", r"/crm/v3/objects/(\w+)/batch/update")
        def batch_update(match, query, body, headers):
            self.updates.extend(body["inputs"])
            for i in body["inputs"]:
                self.objects[match[1]][str(i["id"])]["properties"].update(i["properties"])
            return 200, {"status": "COMPLETE", "results": body["inputs"]}

    def authorized(self, headers) -> bool:
        return headers.get("Authorization") == f"Bearer {self.token}"

    def paged(self, rows, query):
        after, limit = int(query.get("after") or 0), int(query.get("limit") or 10)
        answer = {"results": rows[after:after + limit]}
        if after + limit < len(rows):
            answer["paging"] = {"next": {"after": str(after + limit), "link": "…"}}
        return 200, answer

    @staticmethod
    def shown(obj, query):
        wanted = [p for p in (query.get("properties") or "").split(",") if p]
        props = {k: v for k, v in obj["properties"].items() if not wanted or k in wanted or k == "hs_object_id"}
        return {**obj, "properties": props}

    def put(self, kind: str, object_id=None, **properties) -> str:
        """Create or change an object; its modification time moves on, as HubSpot's does."""
        object_id = str(object_id or next(self.ids))
        stamp = next(self.clock)
        obj = self.objects[kind].setdefault(object_id, {
            "id": object_id, "properties": {"hs_object_id": object_id},
            "createdAt": _iso(stamp), "archived": False})
        obj["properties"].update({k: None if v is None else str(v) for k, v in properties.items()})
        obj["properties"][self.MODIFIED[kind]] = _iso(stamp)  # properties hold ISO times; filters take ms
        obj["updatedAt"] = _iso(stamp)
        return object_id

    def signed(self, secret: str, url: str, events: list[dict], *, at_ms: int | None = None) -> tuple[bytes, dict]:
        """A webhook request as HubSpot sends it, signed v3 (method + URI + body + timestamp, HMAC-SHA256)."""
        import hashlib
        import hmac
        import time

        body = json.dumps(events).encode()
        stamp = str(at_ms or int(time.time() * 1000))
        digest = hmac.new(secret.encode(), b"POST" + url.encode() + body + stamp.encode(), hashlib.sha256).digest()
        return body, {"X-HubSpot-Signature-v3": base64.b64encode(digest).decode(),
                      "X-HubSpot-Request-Timestamp": stamp}


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _ms(value) -> int:
    if not value:
        return 0
    text = str(value)
    if text.isdigit():
        return int(text)
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


# ---- Zendesk Support ------------------------------------------------------------------------------------------

class ZendeskApi(FakeApi):
    """Organizations (time-based incremental export: start_time, next_page, end_time, end_of_stream), users and
    tickets (cursor-based incremental export: start_time or cursor, after_cursor, end_of_stream), single reads,
    and basic authentication with an API token ({email}/token:{token})."""

    def __init__(self, email="agent@vendor.example", token="zd-token", page_size=1000):
        super().__init__()
        self.credentials = base64.b64encode(f"{email}/token:{token}".encode()).decode()
        self.page_size = page_size
        self.clock = itertools.count(int(dt.datetime.now(dt.UTC).timestamp()) - 5 * 86400, 10)  # recent times
        self.rows = {"organizations": {}, "users": {}, "tickets": {}}
        self.ids = itertools.count(1001)

        @self.route("GET", r"/api/v2/users/me\.json")
        def me(match, query, body, headers):
            return 200, {"user": {"id": 1, "email": email, "role": "admin"}}

        @self.route("GET", r"/api/v2/incremental/organizations\.json")
        def organizations(match, query, body, headers):
            start = int(query.get("start_time", 0))
            rows = sorted((o for o in self.rows["organizations"].values() if _epoch(o["updated_at"]) >= start),
                          key=lambda o: (_epoch(o["updated_at"]), o["id"]))[:self.page_size]
            end = _epoch(rows[-1]["updated_at"]) if rows else start
            last = len(rows) < self.page_size
            return 200, {"organizations": rows, "count": len(rows), "end_time": end, "end_of_stream": last,
                         "next_page": None if last else f"{self.url}/api/v2/incremental/organizations.json"
                                                          f"?start_time={end}"}

        @self.route("GET", r"/api/v2/incremental/(users|tickets)/cursor\.json")
        def cursor_export(match, query, body, headers):
            kind = match[1]
            rows = sorted(self.rows[kind].values(), key=lambda r: (_epoch(r["updated_at"]), r["id"]))
            if "cursor" in query:
                position = json.loads(base64.b64decode(query["cursor"]))
                rows = [r for r in rows if [_epoch(r["updated_at"]), r["id"]] > position]
            else:
                rows = [r for r in rows if _epoch(r["updated_at"]) >= int(query.get("start_time", 0))]
            page = rows[:self.page_size]
            last = page[-1] if page else None
            after = base64.b64encode(json.dumps([_epoch(last["updated_at"]), last["id"]]).encode()).decode() \
                if last else query.get("cursor")
            return 200, {kind: page, "after_cursor": after, "end_of_stream": len(rows) <= self.page_size,
                         "after_url": None}

        @self.route("GET", r"/api/v2/(tickets|users)/(\d+)\.json")
        def one(match, query, body, headers):
            row = self.rows[match[1]].get(int(match[2]))
            return (200, {match[1][:-1]: row}) if row else (404, {"error": "RecordNotFound"})

    def authorized(self, headers) -> bool:
        return headers.get("Authorization") == f"Basic {self.credentials}"

    def put(self, kind: str, row_id=None, **fields) -> int:
        row_id = int(row_id or next(self.ids))
        row = self.rows[kind].setdefault(row_id, {"id": row_id, "created_at": _stamp(next(self.clock))})
        row.update(fields)
        row["updated_at"] = _stamp(next(self.clock))
        return row_id

    def signed(self, secret: str, payload: dict, *, at: dt.datetime | None = None) -> tuple[bytes, dict]:
        """A webhook request as Zendesk sends it: HMAC-SHA256 over timestamp + body, base64."""
        import hashlib
        import hmac

        body = json.dumps(payload).encode()
        stamp = (at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
        return body, {"X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
                      "X-Zendesk-Webhook-Signature-Timestamp": stamp}


def _stamp(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(text: str) -> int:
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


# ---- Salesforce REST -------------------------------------------------------------------------------------------

class SalesforceApi(FakeApi):
    """The REST query API for the SOQL the connector sends (SELECT fields FROM object [WHERE SystemModstamp >=
    literal] ORDER BY SystemModstamp ASC [LIMIT n]): records with their attributes, batches with
    ``nextRecordsUrl`` and ``done``; the composite update of many records (what a write-back sends)."""

    QUERY = re.compile(r"SELECT (?P<fields>.+?) FROM (?P<object>\w+)(?: WHERE SystemModstamp >= (?P<since>\S+))?"
                       r"(?: ORDER BY SystemModstamp ASC)?(?: LIMIT (?P<limit>\d+))?$")

    def __init__(self, token="sf-token", batch=2000):
        super().__init__()
        self.token = token
        self.batch = batch
        self.clock = itertools.count(int(dt.datetime.now(dt.UTC).timestamp()) - 5 * 86400, 7)
        self.rows = {"User": {}, "Account": {}, "Contact": {}, "Opportunity": {}}
        self.locators = {}
        self.updates = []
        self.ids = itertools.count(1)

        @self.route("GET", r"/services/data/v[\d.]+/query")
        def query(match, query, body, headers):
            found = self.QUERY.match(query.get("q", "").strip())
            if not found:
                return 400, [{"errorCode": "MALFORMED_QUERY", "message": "unexpected SOQL"}]
            fields = [f.strip() for f in found["fields"].split(",")]
            rows = sorted(self.rows[found["object"]].values(), key=lambda r: (r["SystemModstamp"], r["Id"]))
            if found["since"]:
                rows = [r for r in rows if _sf_epoch(r["SystemModstamp"]) >= _sf_epoch(found["since"])]
            if found["limit"]:
                rows = rows[:int(found["limit"])]
            shown = [{"attributes": {"type": found["object"], "url": f"/…/{r['Id']}"},
                      **{f: r.get(f) for f in fields}} for r in rows]
            return 200, self.batch_of(shown, 0)

        @self.route("GET", r"/services/data/v[\d.]+/query/(\w+)-(\d+)")
        def more(match, query, body, headers):
            return 200, self.batch_of(self.locators[match[1]], int(match[2]))

        @self.route("PATCH", r"/services/data/v[\d.]+/composite/sobjects")
        def composite(match, query, body, headers):
            self.updates.extend(body["records"])
            return 200, [{"id": r["id"], "success": True, "errors": []} for r in body["records"]]

    def batch_of(self, rows, start):
        locator = f"01g{id(rows) % 10_000_000}"
        self.locators[locator] = rows
        end = start + self.batch
        answer = {"totalSize": len(rows), "done": end >= len(rows), "records": rows[start:end]}
        if end < len(rows):
            answer["nextRecordsUrl"] = f"/services/data/v60.0/query/{locator}-{end}"
        return answer

    def authorized(self, headers) -> bool:
        return headers.get("Authorization") == f"Bearer {self.token}"

    def put(self, sobject: str, record_id=None, **fields) -> str:
        prefix = {"User": "005", "Account": "001", "Contact": "003", "Opportunity": "006"}[sobject]
        record_id = record_id or f"{prefix}{next(self.ids):015d}"
        row = self.rows[sobject].setdefault(record_id, {"Id": record_id})
        row.update(fields)
        stamp = dt.datetime.fromtimestamp(next(self.clock), dt.UTC)
        row["SystemModstamp"] = stamp.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        return record_id


def _sf_epoch(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("+0000", "+00:00")).timestamp()


# ---- Intercom --------------------------------------------------------------------------------------------------

class IntercomApi(FakeApi):
    """Companies (scroll API: scroll_param until an empty page), contacts and conversations (search by updated_at,
    ascending, cursor pagination with starting_after), single reads, /me, bearer authentication."""

    def __init__(self, token="ic-token", page_size=150):
        super().__init__()
        self.token = token
        self.page_size = page_size
        self.clock = itertools.count(int(dt.datetime.now(dt.UTC).timestamp()) - 5 * 86400, 3)
        self.rows = {"companies": {}, "contacts": {}, "conversations": {}}
        self.ids = itertools.count(5001)
        self.scrolls = {}

        @self.route("GET", r"/me")
        def me(match, query, body, headers):
            return 200, {"type": "admin", "email": "bot@vendor.example"}

        @self.route("GET", r"/companies/scroll")
        def scroll(match, query, body, headers):
            rows = list(self.rows["companies"].values())
            start = self.scrolls.get(query.get("scroll_param"), 0)
            page = rows[start:start + self.page_size]
            param = f"scroll-{start + self.page_size}"
            self.scrolls[param] = start + self.page_size
            return 200, {"type": "company.list", "data": page, "scroll_param": param}

        @self.route("POST", r"/(contacts|conversations)/search")
        def search(match, query, body, headers):
            kind = match[1]
            q = body["query"]
            rows = sorted((r for r in self.rows[kind].values() if r["updated_at"] > int(q["value"])),
                          key=lambda r: (r["updated_at"], r["id"]))
            after = (body.get("pagination") or {}).get("starting_after")
            start = int(base64.b64decode(after)) if after else 0
            per_page = int((body.get("pagination") or {}).get("per_page") or 50)
            page = rows[start:start + per_page]
            answer = {"type": "list" if kind == "contacts" else "conversation.list", "total_count": len(rows),
                      "data" if kind == "contacts" else "conversations": page, "pages": {"type": "pages"}}
            if start + per_page < len(rows):
                answer["pages"]["next"] = {"starting_after": base64.b64encode(str(start + per_page).encode())
                                           .decode()}
            return 200, answer

        @self.route("GET", r"/(contacts|conversations)/(\w+)")
        def one(match, query, body, headers):
            row = self.rows[match[1]].get(match[2])
            return (200, row) if row else (404, {"type": "error.list", "errors": [{"code": "not_found"}]})

    def authorized(self, headers) -> bool:
        return headers.get("Authorization") == f"Bearer {self.token}"

    def put(self, kind: str, row_id=None, **fields) -> str:
        row_id = str(row_id or next(self.ids))
        row = self.rows[kind].setdefault(row_id, {"type": kind[:-1], "id": row_id, "created_at": next(self.clock)})
        row.update(fields)
        row["updated_at"] = next(self.clock)
        return row_id

    @staticmethod
    def signed(secret: str, payload: dict) -> tuple[bytes, dict]:
        import hashlib
        import hmac

        body = json.dumps(payload).encode()
        return body, {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}
