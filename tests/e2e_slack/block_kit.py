"""Block Kit limits the double enforces, with Slack's error shape: `invalid_blocks` (messages) or
`invalid_arguments` (views), each problem as "[ERROR] ... [json-pointer:/blocks/0/text]".

Limits from Slack's Block Kit reference (as mirrored in slack_sdk.models): 50 blocks per message,
100 per modal or Home tab; section text 3000, header 150, button text 75, action_id/block_id 255,
button value 2000, option text 75 and value 150, 10 radio options, 100 select options, 25 elements
per actions block, 10 fields per section; modal title, submit and close 24; private_metadata 3000.
"""

from __future__ import annotations

from typing import Any

from tests.e2e_slack.web_api import SlackError

MESSAGE_BLOCKS, VIEW_BLOCKS, MESSAGE_TEXT = 50, 100, 40_000
BLOCK_TYPES = {"section", "divider", "header", "context", "actions", "input", "image", "rich_text", "file", "video"}


class _Problems:
    def __init__(self) -> None:
        self.found: list[str] = []

    def check(self, ok: bool, what: str, pointer: str) -> None:
        if not ok:
            self.found.append(f"[ERROR] {what} [json-pointer:{pointer}]")

    def text(self, obj: Any, limit: int, pointer: str, *, plain_only: bool = False) -> None:
        if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
            self.found.append(f"[ERROR] must be a text object [json-pointer:{pointer}]")
            return
        if plain_only:
            self.check(obj["type"] == "plain_text", "must be plain_text", pointer + "/type")
        text = obj.get("text")
        self.check(isinstance(text, str) and 0 < len(text) <= limit, f"must be 1-{limit} characters", pointer + "/text")


def check_message_blocks(blocks: Any, text: str | None) -> None:
    problems = _Problems()
    if text is not None:
        problems.check(len(text) <= MESSAGE_TEXT, f"text must be at most {MESSAGE_TEXT} characters", "/text")
    if blocks is not None:
        _blocks(problems, blocks, MESSAGE_BLOCKS, allow_input=False)
    if problems.found:
        error = "msg_too_long" if text is not None and len(text) > MESSAGE_TEXT else "invalid_blocks"
        raise SlackError(error, response_metadata={"messages": problems.found})


def check_view(view: Any, *, home: bool = False) -> None:
    problems = _Problems()
    if not isinstance(view, dict):
        raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] view must be an object"]})
    kind = view.get("type")
    problems.check(kind == ("home" if home else "modal"), "unexpected view type", "/view/type")
    if kind == "modal":
        problems.text(view.get("title"), 24, "/view/title", plain_only=True)
        for button in ("submit", "close"):
            if button in view:
                problems.text(view[button], 24, f"/view/{button}", plain_only=True)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks", []))
        problems.check(not has_input or "submit" in view, "an input block needs a submit button", "/view/submit")
    problems.check(len(str(view.get("private_metadata", ""))) <= 3000, "must be at most 3000", "/view/private_metadata")
    problems.check(len(str(view.get("callback_id", ""))) <= 255, "must be at most 255", "/view/callback_id")
    _blocks(problems, view.get("blocks"), VIEW_BLOCKS, allow_input=not home, pointer="/view/blocks")
    if problems.found:
        raise SlackError("invalid_arguments", response_metadata={"messages": problems.found})


def _blocks(problems: _Problems, blocks: Any, limit: int, *, allow_input: bool, pointer: str = "/blocks") -> None:
    if not isinstance(blocks, list):
        problems.check(False, "blocks must be an array", pointer)
        return
    problems.check(len(blocks) <= limit, f"no more than {limit} items allowed", pointer)
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        at = f"{pointer}/{i}"
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            problems.check(False, "unknown block type", at + "/type")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            problems.check(len(block_id) <= 255, "block_id must be at most 255", at + "/block_id")
            problems.check(block_id not in block_ids, "block_id must be unique", at + "/block_id")
            block_ids.add(block_id)
        _block(problems, block, at, allow_input)


def _block(problems: _Problems, block: dict[str, Any], at: str, allow_input: bool) -> None:
    kind = block["type"]
    if kind == "section":
        problems.check("text" in block or "fields" in block, "a section needs text or fields", at)
        if "text" in block:
            problems.text(block["text"], 3000, at + "/text")
        for j, item in enumerate(block.get("fields", [])):
            problems.text(item, 2000, f"{at}/fields/{j}")
        problems.check(len(block.get("fields", [])) <= 10, "no more than 10 fields", at + "/fields")
        if "accessory" in block:
            _element(problems, block["accessory"], at + "/accessory")
    elif kind == "header":
        problems.text(block.get("text"), 150, at + "/text", plain_only=True)
    elif kind == "context":
        elements = block.get("elements", [])
        problems.check(0 < len(elements) <= 10, "a context holds 1-10 elements", at + "/elements")
    elif kind == "actions":
        elements = block.get("elements", [])
        problems.check(0 < len(elements) <= 25, "an actions block holds 1-25 elements", at + "/elements")
        action_ids = [e.get("action_id") for e in elements if isinstance(e, dict) and e.get("action_id")]
        problems.check(len(action_ids) == len(set(action_ids)), "action_id must be unique", at + "/elements")
        for j, element in enumerate(elements):
            _element(problems, element, f"{at}/elements/{j}")
    elif kind == "input":
        problems.check(allow_input, "input blocks belong in modals", at)
        problems.text(block.get("label"), 2000, at + "/label", plain_only=True)
        _element(problems, block.get("element"), at + "/element")


def _element(problems: _Problems, element: Any, at: str) -> None:
    if not isinstance(element, dict):
        problems.check(False, "must be an element", at)
        return
    kind = element.get("type")
    action_id = element.get("action_id")
    if action_id is not None:
        problems.check(len(action_id) <= 255, "action_id must be at most 255", at + "/action_id")
    if kind == "button":
        problems.text(element.get("text"), 75, at + "/text", plain_only=True)
        problems.check(len(str(element.get("value", ""))) <= 2000, "value must be at most 2000", at + "/value")
    elif kind in ("static_select", "radio_buttons", "checkboxes", "overflow"):
        options = element.get("options", [])
        limit = {"radio_buttons": 10, "checkboxes": 10, "overflow": 5}.get(kind, 100)
        problems.check(0 < len(options) <= limit, f"must hold 1-{limit} options", at + "/options")
        for j, option in enumerate(options):
            problems.text(option.get("text"), 75, f"{at}/options/{j}/text")
            problems.check(len(str(option.get("value", ""))) <= 150, "value must be at most 150", f"{at}/options/{j}")
    elif kind == "plain_text_input":
        problems.check(int(element.get("max_length", 3000)) <= 3000, "max_length must be at most 3000", at)
