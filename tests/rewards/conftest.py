"""Driving rewards through the real activity flow: activities appended to the stream and
stored by the consumer, whose handler runs write the ledger."""

import uuid

import pytest
from django.utils import timezone

from community.activity.services import activity_events_flush, events_stream


def payload(*, verb: str, actor, target=("", ""), properties=None, activity_id=None) -> dict:
    """An activity as ``activity_record`` appends it to the stream."""
    return {
        "id": str(activity_id or uuid.uuid4()),
        "actor_id": getattr(actor, "pk", actor),
        "verb": verb,
        "target_type": target[0],
        "target_id": str(target[1]),
        "properties": properties or {},
        "dedupe_key": None,
        "occurred_at": timezone.now().isoformat(),
    }


def deliver(*payloads: dict) -> int:
    """Append these activities to the stream (a payload given twice is delivered twice) and
    run the consumer."""
    for item in payloads:
        events_stream.append(item)
    return activity_events_flush()


def vote(*, voter, author, post: int, direction="up", withdrawn=False, is_question=False, category=3) -> dict:
    return payload(
        verb="forum.post.voted",
        actor=voter,
        target=("forums.post", post),
        properties={
            "value": -1 if withdrawn else 1,
            "direction": direction,
            "withdrawn": withdrawn,
            "is_question": is_question,
            "category": category,
            "thread": 1,
            "post_author": author.pk,
        },
    )


@pytest.fixture
def author(db):
    from tests.factories import UserFactory

    return UserFactory(email="author@example.com")


@pytest.fixture
def voter(db):
    from tests.factories import UserFactory

    return UserFactory(email="voter@example.com")
