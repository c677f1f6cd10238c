"""Comms' background tasks, each defined beside the service it runs.

The service module enqueues its task and the task calls the service, so no two
modules import each other. They are named here too: the periodic one is
registered from here (apps.py), and the worker finds a task by the path it was
queued under, so a task queued as `kolk.comms.tasks.…` still runs.
"""

from __future__ import annotations

from kolk.comms.newsletter import send_campaign
from kolk.comms.outbox import flush_outbox, send_message
from kolk.comms.sms import flush_sms, send_sms

__all__ = ["flush_outbox", "flush_sms", "send_campaign", "send_message", "send_sms"]
