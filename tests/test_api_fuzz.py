"""Schemathesis against /api/openapi.json on the demo town: every documented operation, every
phase (examples, coverage, fuzzing, stateful) and every check, in-process over WSGI."""

from __future__ import annotations

import time

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

SEED = 20260611  # the same cases on every run, so that a failure can be run again
MAX_EXAMPLES = 25  # per operation in the fuzzing phase; coverage adds its own boundary cases
TIME_LIMIT_S = 45  # stop generating after this (what already ran is still checked)
FEW_CASES = 200  # fewer than this and the run tested too little to mean anything


def test_the_api_does_what_its_document_says(demo_app):
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "cache": {"enabled": False},
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        }
    )
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", demo_app, config=config)
    stream = from_schema(schema).execute()
    failures: dict[tuple[str, str], str] = {}
    errors: list[str] = []
    cases = 0
    started = time.monotonic()
    for event in stream:
        if time.monotonic() - started > TIME_LIMIT_S:
            stream.stop()
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        failures.setdefault(
                            (event.recorder.label, check.name),
                            f"{failure.title}: {failure.message}\n{check.failure_info.code_sample}",
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(repr(event))
    assert not errors
    assert not failures, "\n\n".join(
        f"{label} {name}\n{text}" for (label, name), text in failures.items()
    )
    assert cases >= FEW_CASES
