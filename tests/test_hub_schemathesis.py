"""Every hub route under schemathesis: generated requests against a running hub.

Schemathesis reads ``sync/hub/openapi.json`` and, for each operation, sends a
bounded number of generated requests (valid and invalid ones) to a real
township hub on loopback, three ways: signed as the enrolled village, signed as
the township (the reviewer's node), and unsigned.  Every answer must be no 5xx,
a status code the document lists for that operation, a documented content type,
headers and a body matching the document's schema.

Requests are signed after schemathesis has built them (``SigningSession.send``
sees the final percent-encoded URL and body bytes), each with a fresh nonce.
Generated requests change the hub (claims, uploads, directory entries): the
network is this module's own.  Generation is derandomized, so a failure found
here is found again on the next run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import falcon.inspect
import pytest
import requests
import schemathesis
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import HealthCheck, settings
from network import copy_network
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from station import node_keys
from station.demo import demo_network
from station.demo.demo_network import DemoNetwork, DemoNode
from station.network import link
from sync import httpsig
from sync.hub.app import MAX_JSON, create_app
from sync.hub.enrolments import MAX_REQUEST
from sync.hub.service import HubService
from sync.problems import PROBLEM_BASE

OPENAPI = Path(__file__).resolve().parent.parent / "sync" / "hub" / "openapi.json"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
SCHEMA = schemathesis.openapi.from_path(OPENAPI)
# Material chunks are raw bytes (PATCH /v1/materials/{address}), sent as they are.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
EXAMPLES = 20  # per operation and caller, on top of schemathesis's fixed coverage cases
GENERATED = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))


class SigningSession(requests.Session):
    """A session that signs every request as one node just before it leaves (RFC 9421),
    or sends it unsigned when it has no key."""

    def __init__(self, key: ed25519.Ed25519PrivateKey | None, key_id: str) -> None:
        super().__init__()
        self.key, self.key_id = key, key_id

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self.key is not None:
            body = request.body or b""
            if isinstance(body, str):
                body = body.encode("utf-8")
            for name in ("Signature", "Signature-Input", "Content-Digest"):
                request.headers.pop(name, None)
            request.headers.update(httpsig.sign_request(
                request.method or "GET", request.url or "", dict(request.headers), body,
                self.key, self.key_id, created=int(time.time())))
        return super().send(request, **kwargs)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoNetwork]:
    from conftest import PASSPHRASE

    root = tmp_path_factory.mktemp("schemathesis")
    demo_network.setup(root / "template", PASSPHRASE)
    network_ = copy_network(root / "template", root / "net")
    demo_network.start_hubs(network_)
    with network_.open(network_.village) as village:  # events and materials to read back
        demo_network.file_samples(network_, village, 1)
        link.sync_once(village)
    try:
        yield network_
    finally:
        network_.stop()


def _session(net: DemoNetwork, node: DemoNode) -> SigningSession:
    with net.open(node):
        key = node_keys.ensure_signing_key()
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return SigningSession(key, node.code)


@pytest.fixture(scope="module")
def as_village(net: DemoNetwork) -> SigningSession:
    return _session(net, net.village)


@pytest.fixture(scope="module")
def as_township(net: DemoNetwork) -> SigningSession:
    return _session(net, net.reviewer)


@pytest.fixture(scope="module")
def unsigned() -> SigningSession:
    return SigningSession(None, "")


def hub(net: DemoNetwork) -> str:
    assert net.reviewer.address, "the township hub did not start"
    return net.reviewer.address


def problem_of(response: requests.Response, status: int, slug: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["detail"], body
    if slug is not None:
        assert body["type"] == PROBLEM_BASE + slug, body


# -- the document and the app ----------------------------------------------------------


def served_routes() -> set[tuple[str, str]]:
    """(path, method) for every responder the Falcon app routes (its default 405 and
    OPTIONS responders aside)."""
    app = create_app(cast(HubService, object()))  # resources only keep the hub
    return {(route.path, method.method.lower()) for route in falcon.inspect.inspect_routes(app)
            for method in route.methods if not method.internal}


def documented_routes() -> set[tuple[str, str]]:
    paths = json.loads(OPENAPI.read_text(encoding="utf-8"))["paths"]
    return {(path, method) for path, item in paths.items() for method in item
            if method in HTTP_METHODS}


def test_every_served_route_is_documented_and_back() -> None:
    served, documented = served_routes(), documented_routes()
    assert len(served) >= 29
    assert sorted(served - documented) == [], "routes missing from the document"
    assert sorted(documented - served) == [], "documented routes the hub does not serve"


def test_schemathesis_tests_every_documented_operation() -> None:
    """Nothing in the document is left out (an operation schemathesis cannot read would
    be tested by nobody)."""
    seen = set()
    for result in SCHEMA.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operation = result.ok()
        seen.add((operation.path, operation.method.lower()))
    assert seen == documented_routes()


def test_every_problem_answer_is_the_shared_problem() -> None:
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    shared = document["components"]["responses"]
    for name, response in shared.items():
        assert response["content"] == {"application/problem+json": {
            "schema": {"$ref": "#/components/schemas/Problem"}}}, name
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response == {"$ref": f"#/components/responses/P{status}"}, \
                        (path, method, status)
            assert "413" in operation["responses"], (path, method)  # the body limit
            if operation.get("security") != []:
                assert {"400", "401", "403", "429", "503"} <= set(operation["responses"]), \
                    (path, method)


# -- the callers are who they say (else every generated request would be a 401) --------


def test_the_three_callers_are_told_apart(net: DemoNetwork, as_village: SigningSession,
                                          as_township: SigningSession,
                                          unsigned: SigningSession) -> None:
    url = hub(net) + "/v1/events?after=0&limit=1"
    answer = as_village.get(url)
    assert answer.status_code == 200, answer.text
    answer = as_township.get(hub(net) + "/v1/queue")
    assert answer.status_code == 200, answer.text
    problem_of(unsigned.get(url), 401, "signature-missing")


def test_the_hub_serves_the_document_tested_here(net: DemoNetwork,
                                                unsigned: SigningSession) -> None:
    served = unsigned.get(hub(net) + "/v1/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(OPENAPI.read_text(encoding="utf-8"))


# -- what schemathesis found, kept as plain regressions ---------------------------------


def test_a_cursor_beyond_sql_integers_is_a_400(net: DemoNetwork,
                                               as_village: SigningSession) -> None:
    problem_of(as_village.get(hub(net) + f"/v1/events?after={1 << 80}"), 400)


def test_a_signed_path_with_escapes_verifies(net: DemoNetwork,
                                             as_village: SigningSession) -> None:
    """The signature covers the path as sent, escapes and all; the hub checks that one,
    not the path Falcon decoded (which was a 401 signature-invalid)."""
    problem_of(as_village.get(hub(net) + "/v1/updates/%E6%97%A5%E5%8E%86%2C"), 404, "not-found")


def test_an_oversized_body_is_a_413_on_any_route(net: DemoNetwork,
                                                 unsigned: SigningSession) -> None:
    """The body limit comes before routing, signatures and parsing: a GET too."""
    problem_of(unsigned.get(hub(net) + "/v1/enrolment/requests", data=b" " * (MAX_REQUEST + 1)),
               413, "request-too-large")
    problem_of(unsigned.get(hub(net) + "/v1/health", data=b" " * (MAX_JSON + 1)), 413,
               "too-large")


# -- generated requests -----------------------------------------------------------------


TESTED: set[tuple[str, str, str]] = set()  # (caller, method, path) that got requests


def call(net: DemoNetwork, session: SigningSession, case: schemathesis.Case) -> None:
    TESTED.add((session.key_id or "unsigned", case.operation.method.lower(),
                case.operation.path))
    # No response-time check, and a timeout far beyond schemathesis's 10 s: a busy
    # machine makes the hub slow, not wrong.
    case.call_and_validate(base_url=hub(net), session=session, checks=CHECKS, timeout=120)


@SCHEMA.parametrize()
@GENERATED
def test_generated_as_village(net: DemoNetwork, as_village: SigningSession,
                              case: schemathesis.Case) -> None:
    call(net, as_village, case)


@SCHEMA.parametrize()
@GENERATED
def test_generated_as_township(net: DemoNetwork, as_township: SigningSession,
                               case: schemathesis.Case) -> None:
    call(net, as_township, case)


@SCHEMA.parametrize()
@GENERATED
def test_generated_unsigned(net: DemoNetwork, unsigned: SigningSession,
                            case: schemathesis.Case) -> None:
    call(net, unsigned, case)


def test_no_operation_was_left_untested(net: DemoNetwork) -> None:
    """Runs after the generated tests: schemathesis may turn an operation it cannot
    generate for into a pytest skip; here that is a failure naming it."""
    callers = (net.village.code, net.reviewer.code, "unsigned")
    wanted = {(caller, method, path) for caller in callers
              for path, method in documented_routes()}
    assert sorted(wanted - TESTED) == [], \
        "operations schemathesis did not test (or the generated tests were not selected)"
