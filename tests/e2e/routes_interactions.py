"""Interaction callbacks and the followup webhook, with Discord's 3-second and single-acknowledgement rules."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.fake_gateway import Gateway
from tests.e2e.fake_models import (
    EPHEMERAL,
    LOADING,
    Callback,
    CallbackType,
    InteractionRecord,
    InteractionType,
    Message,
)
from tests.e2e.fake_rest import ApiError, Call, Rest, UploadedFile, invalid_form
from tests.e2e.fake_state import State
from tests.e2e.message_body import apply_edit, message_fields, modal_problems

ACK_DEADLINE = 3.0  # seconds Discord gives for the first response
MESSAGE, DEFERRED, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE_RESULT, MODAL = CallbackType
ALLOWED_CALLBACKS = {  # the callback types Discord accepts for each interaction type
    InteractionType.APPLICATION_COMMAND: {MESSAGE, DEFERRED, MODAL},
    InteractionType.MESSAGE_COMPONENT: {MESSAGE, DEFERRED, DEFERRED_UPDATE, UPDATE, MODAL},
    InteractionType.AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    InteractionType.MODAL_SUBMIT: {MESSAGE, DEFERRED, DEFERRED_UPDATE, UPDATE},
}


class InteractionRoutes:
    def __init__(self, state: State, gateway: Gateway) -> None:
        self.state, self.gateway = state, gateway

    def register(self, rest: Rest) -> None:
        rest.route("POST", "/interactions/{interaction_id}/{token}/callback", self.callback, auth=False)
        rest.route("POST", "/webhooks/{application_id}/{token}", self.followup, auth=False)
        message = "/webhooks/{application_id}/{token}/messages/{message_id}"  # message_id may be @original
        rest.route("GET", message, self.get_message, auth=False)
        rest.route("PATCH", message, self.edit_message, auth=False)
        rest.route("DELETE", message, self.delete_message, auth=False)

    async def callback(self, call: Call) -> dict[str, Any]:
        now = time.monotonic()
        record = self.state.interactions.get(call.id("interaction_id"))
        if record is None or record.token != call.params["token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        if record.callbacks:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if record.sent_at is None or now - record.sent_at > ACK_DEADLINE:
            raise ApiError(404, 10062, "Unknown interaction")
        body = call.json or {}
        kind, data = body.get("type"), body.get("data") or {}
        if kind not in ALLOWED_CALLBACKS[record.type] or (kind in (DEFERRED_UPDATE, UPDATE) and record.message is None):
            raise invalid_form(f"callback type {kind} is not allowed for interaction type {record.type}")
        message = await self._apply(record, kind, data, call.files)
        record.callbacks.append(Callback(CallbackType(kind), data, now))
        resource: dict[str, Any] = {"type": kind}
        if message is not None:
            resource["message"] = message.payload(self.state.base_url)
        return {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "response_message_id": str(message.id) if message else None,
                "response_message_loading": kind == DEFERRED,
                "response_message_ephemeral": bool(message and message.ephemeral),
            },
            "resource": resource,
        }

    async def _apply(
        self, record: InteractionRecord, kind: int, data: dict[str, Any], files: list[UploadedFile]
    ) -> Message | None:
        """Validate and carry out one callback; returns the message it created or updated, if any."""
        if kind == MESSAGE:
            record.original = await self._new_message(record, message_fields(data, files, self.state.ids))
        elif kind == DEFERRED:
            flags = LOADING | ((data.get("flags") or 0) & EPHEMERAL)
            record.original = await self._new_message(record, {"flags": flags})
        elif kind in (DEFERRED_UPDATE, UPDATE):  # @original is now the message the component is on
            assert record.message is not None
            if kind == UPDATE:
                await self._edit(record.message, data, files)
            record.original = record.message
        elif kind == AUTOCOMPLETE_RESULT and len(data.get("choices", [])) > 25:
            raise invalid_form("autocomplete returns at most 25 choices")
        elif kind == MODAL and (problems := modal_problems(data)):
            raise invalid_form(*problems)
        return record.original if kind in (MESSAGE, DEFERRED, UPDATE) else None

    async def followup(self, call: Call) -> dict[str, Any] | None:
        """A followup message. After a thinking defer, the first followup replaces the loading message."""
        record = self._record(call)
        if not record.callbacks:
            raise ApiError(404, 10015, "Unknown Webhook")
        original = record.original
        if original is not None and original.flags & LOADING:
            await self._edit(original, call.json or {}, call.files)
            message = original
        else:
            message = await self._new_message(record, message_fields(call.json or {}, call.files, self.state.ids))
        record.followups.append(message)
        wait = call.query.get("wait", "").lower() in ("1", "true")
        return message.payload(self.state.base_url) if wait else None

    async def get_message(self, call: Call) -> dict[str, Any]:
        return self._webhook_message(call).payload(self.state.base_url)

    async def edit_message(self, call: Call) -> dict[str, Any]:
        record = self._record(call)
        message = self._webhook_message(call)
        await self._edit(message, call.json or {}, call.files)
        record.edits += 1
        return message.payload(self.state.base_url)

    async def delete_message(self, call: Call) -> None:
        message = self._webhook_message(call)
        message.deleted = True
        if not message.ephemeral:
            await self.gateway.message_delete(message)

    # -- helpers --------------------------------------------------------------------------------

    def _record(self, call: Call) -> InteractionRecord:
        token = call.params["token"]
        record = next((r for r in self.state.interactions.values() if r.token == token), None)
        if record is None or call.id("application_id") != self.state.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        return record

    def _webhook_message(self, call: Call) -> Message:
        record = self._record(call)
        wanted = call.params["message_id"]
        candidates = [record.original] if wanted == "@original" else [record.original, *record.followups]
        for message in candidates:
            if message is not None and not message.deleted and (wanted == "@original" or str(message.id) == wanted):
                return message
        raise ApiError(404, 10008, "Unknown Message")

    async def _new_message(self, record: InteractionRecord, fields: dict[str, Any]) -> Message:
        is_command = record.type == InteractionType.APPLICATION_COMMAND
        command_type = record.payload["data"].get("type", 1) if is_command else None
        metadata = {
            "id": str(record.id),
            "type": record.type,
            "user": record.user.user.payload(),
            "authorizing_integration_owners": record.payload["authorizing_integration_owners"],
        }
        message = self.state.add_message(
            record.channel,
            self.state.bot,
            type={None: 0, 1: 20}.get(command_type, 23),  # slash reply 20, context menu reply 23, else default
            webhook_id=self.state.application_id,
            interaction_metadata=metadata,
            **fields,
        )
        if not message.ephemeral:
            await self.gateway.message_create(message)
        return message

    async def _edit(self, message: Message, body: dict[str, Any], files: list[UploadedFile]) -> None:
        if message.channel.archived and not message.ephemeral:
            raise ApiError(400, 50083, "Thread is archived")
        ephemeral = message.flags & EPHEMERAL  # an edit cannot change who sees the message
        apply_edit(message, body, files, self.state.ids)
        message.flags = (message.flags & ~LOADING & ~EPHEMERAL) | ephemeral
        message.edited_at = time.time()
        if not message.ephemeral:
            await self.gateway.message_update(message)
