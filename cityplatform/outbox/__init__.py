"""The outbox of messages to residents' chats (queue.py), claimed and delivered by the gateway."""

from cityplatform.outbox.queue import (
    CANCELLED,
    FAILED,
    MAX_ATTEMPTS,
    PENDING,
    SENDING,
    SENT,
    STATUSES,
    Button,
    Outgoing,
    claim,
    enqueue,
    forget_chat,
    list_messages,
    mark_failed,
    mark_sent,
    retry_later,
)
from cityplatform.outbox.views import item_view

__all__ = [
    "CANCELLED",
    "FAILED",
    "MAX_ATTEMPTS",
    "PENDING",
    "SENDING",
    "SENT",
    "STATUSES",
    "Button",
    "Outgoing",
    "claim",
    "enqueue",
    "forget_chat",
    "item_view",
    "list_messages",
    "mark_failed",
    "mark_sent",
    "retry_later",
]
