"""Message and modal bodies a bot sends: Discord's limits (a breach is a 400 50035, as on Discord) and parsing.

Only the limits a bot can realistically break are checked; see PLATFORM.md section 1.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.fake_models import COMPONENTS_V2, Attachment, Message, walk_components
from tests.e2e.fake_rest import UploadedFile, invalid_form
from tests.e2e.fake_state import Snowflakes

EMBED_TEXT_KEYS = ("title", "description")
MESSAGE_FIELDS = ("content", "embeds", "components", "flags")


def message_fields(body: dict[str, Any], files: list[UploadedFile], ids: Snowflakes) -> dict[str, Any]:
    """Validated keyword arguments for a new `Message` from a create-message body."""
    problems = _problems(body)
    attachments = [Attachment(ids.next(), f.filename, f.data, f.content_type) for f in files]
    if not (body.get("content") or body.get("embeds") or body.get("components") or attachments):
        problems.append("Cannot send an empty message")
    if problems:
        raise invalid_form(*problems)
    fields = {key: body[key] for key in MESSAGE_FIELDS if body.get(key) is not None}
    return fields | {"attachments": attachments}


def apply_edit(message: Message, body: dict[str, Any], files: list[UploadedFile], ids: Snowflakes) -> None:
    """PATCH semantics: only the keys present change; `attachments` lists the ones to keep, files add more."""
    problems = _problems(body)
    if problems:
        raise invalid_form(*problems)
    for key in MESSAGE_FIELDS:
        if key in body:
            default: Any = 0 if key == "flags" else "" if key == "content" else []
            setattr(message, key, body[key] if body[key] is not None else default)
    if "attachments" in body:
        keep = {str(a.get("id")) for a in body["attachments"]}
        message.attachments = [a for a in message.attachments if str(a.id) in keep]
    message.attachments += [Attachment(ids.next(), f.filename, f.data, f.content_type) for f in files]


def modal_problems(data: dict[str, Any]) -> list[str]:
    problems = []
    if not 1 <= len(data.get("title", "")) <= 45:
        problems.append("modal title must be 1-45 characters")
    if not 1 <= len(data.get("components", [])) <= 5:
        problems.append("a modal holds 1-5 top-level components")
    problems += _custom_id_problems(data.get("components", []))
    if not 1 <= len(data.get("custom_id", "")) <= 100:
        problems.append("modal custom_id must be 1-100 characters")
    return problems


def _problems(body: dict[str, Any]) -> list[str]:
    problems = []
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    if len(content) > 2000:
        problems.append(f"content is {len(content)} characters (max 2000)")
    if len(embeds) > 10:
        problems.append(f"{len(embeds)} embeds (max 10)")
    if sum(_embed_length(e) for e in embeds) > 6000:
        problems.append("embeds exceed 6000 characters in total")
    for embed in embeds:
        if len(embed.get("description", "")) > 4096:
            problems.append("embed description exceeds 4096 characters")
        if len(embed.get("title", "")) > 256:
            problems.append("embed title exceeds 256 characters")
        if len(embed.get("fields", [])) > 25:
            problems.append("embed has more than 25 fields")
    if (body.get("flags") or 0) & COMPONENTS_V2:
        if content or embeds:
            problems.append("IS_COMPONENTS_V2 messages cannot have content or embeds")
        if sum(1 for _ in walk_components(components)) > 40:
            problems.append("more than 40 components")
    elif len(components) > 5:
        problems.append(f"{len(components)} action rows (max 5)")
    problems += _custom_id_problems(components)
    return problems


def _custom_id_problems(components: list[dict[str, Any]]) -> list[str]:
    ids = [c["custom_id"] for c in walk_components(components) if "custom_id" in c]
    problems = [f"custom_id {i!r} is longer than 100 characters" for i in ids if len(i) > 100]
    if len(ids) != len(set(ids)):
        problems.append("custom_ids must be unique within a message")
    return problems


def _embed_length(embed: dict[str, Any]) -> int:
    total = sum(len(embed.get(key, "")) for key in EMBED_TEXT_KEYS)
    total += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    return total + sum(len(f.get("name", "")) + len(f.get("value", "")) for f in embed.get("fields", []))
