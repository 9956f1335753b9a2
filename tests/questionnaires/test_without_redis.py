"""No patient request needs Redis (issue 12: while Redis was down for 5 s,
26 of 30 submits got HTTP 500 because sessions were read through it).

Redis down here means both of its jobs fail: any cache backed by Redis raises
(the cache is pointed at a port nothing listens on), and the broker refuses
the summary PDF's hand-over. The patient answers and submits all the same;
the PDF waits in the outbox for the sweep."""

from __future__ import annotations

import pytest
import redis
from django.test import Client

from pro_portal.models import OutboxMessage
from pro_portal.outbox import task_named
from questionnaires.answering import SUMMARY_PDF_TASK
from questionnaires.models import Response
from tests.conftest import Personas
from tests.questionnaires.test_patient_flow import PHQ9_ALL_ZERO, answer_all, open_phq9
from tests.questionnaires.test_submit_once import check_token, submit

pytestmark = pytest.mark.django_db

NOTHING_LISTENS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.REDIS_URL = NOTHING_LISTENS
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": NOTHING_LISTENS,
        }
    }

    def broker_down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(task_named(SUMMARY_PDF_TASK), "apply_async", broker_down)


def test_a_patient_answers_submits_and_sees_the_receipt_while_redis_is_down(
    personas: Personas,
    client: Client,
    redis_down: None,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks,
) -> None:
    from django.core.cache import cache

    with pytest.raises(redis.exceptions.ConnectionError):  # the cache really is down
        cache.get("anything")
    _, response = open_phq9(personas, client)
    question = client.get(f"/answer/{response.public_id}/q/phq9.1/")
    assert question.status_code == 200
    answer_all(client, response, PHQ9_ALL_ZERO)
    token = check_token(client, response)
    with django_capture_on_commit_callbacks(execute=True):  # the hand-over is tried
        reply = submit(client, response, token)
    assert reply["Location"] == f"/answer/{response.public_id}/done/"
    receipt = client.get(reply["Location"])
    assert receipt.status_code == 200
    assert "Lægerne i Søby" in receipt.content.decode()
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED
    # The PDF was not handed to a worker; its work waits for the sweep, and
    # the log says so in one line (no traceback per submit while Redis is down).
    assert OutboxMessage.objects.get(task=SUMMARY_PDF_TASK).done_at is None
    [warning] = [r for r in caplog.records if r.name == "pro_portal.outbox"]
    assert "the sweep will" in warning.getMessage()
    assert warning.exc_info is None
