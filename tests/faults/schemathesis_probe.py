"""Run schemathesis against a hub's ``/openapi.json``; print the failures as JSON.

``python -m tests.faults.schemathesis_probe API_URL TOKEN MAX_EXAMPLES`` prints one JSON
object: the operations checked and a list of failures (empty when all is well). It runs
in its own process, not inside pytest: pytest rewrites the assertions of every module of
a pytest plugin (schemathesis is one) when it is imported, and schemathesis imports most
of itself lazily, inside the Hypothesis test; parsing those modules there failed at
random with CPython 3.11's "AST constructor recursion depth mismatch" (gh-106905).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

#: Operations whose bodies have rules across fields that JSON Schema cannot say (a record
#: must end after it starts; a refusal needs a reason and a witness; an inquiry past draft
#: needs its questions): a schema-valid body may rightly be a 400 naming the field, so
#: "schema-valid must be accepted" is not asked of them. Every other check still is (no
#: 5xx, documented statuses, answers as their schemas say).
CROSS_FIELD_RULES = {"POST /api/v1/cases/{case_id}/records"}


def probe(api_url: str, token: str, max_examples: int) -> dict[str, Any]:
    schema = schemathesis.openapi.from_url(api_url + "/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations: list[str] = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"the document does not load: {result.err()}")
            continue
        operation = result.ok()
        operations.append(operation.label)
        modes = [GenerationMode.POSITIVE]
        if len(operation.query) or len(operation.body):
            modes.append(GenerationMode.NEGATIVE)  # nothing to break in a bare GET
        for mode in modes:

            @given(case=operation.as_strategy(mode))
            @settings(
                max_examples=max_examples,
                deadline=None,
                database=None,
                derandomize=True,  # the same examples on every run: a failure reproduces
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                response = case.call(base_url=api_url, headers=headers, timeout=10)
                excluded = (
                    [positive_data_acceptance] if case.operation.label in CROSS_FIELD_RULES else []
                )
                case.validate_response(response, excluded_checks=excluded)

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({mode.value}): {exc}"[:4000])
    return {"operations": operations, "failures": failures}


if __name__ == "__main__":
    api_url, token, max_examples = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print(json.dumps(probe(api_url, token, max_examples)))
