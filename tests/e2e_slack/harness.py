"""The scripting API for Slack e2e tests: build a workspace, act as its members, read what the bot did.

    slack = Harness(fake)
    grill = await slack.add_channel("grill")
    alice = await slack.add_user("alice", admin=True, channels=[grill])
    done = await alice.runs("/grill setup <#C000001|grill> 09:00 Europe/Paris")
    assert "set" in (await done.reply()).text

Clicks and form submits are built from the blocks and views the bot really sent. Every wait takes a
`within` timeout (seconds) and wakes on state changes; nothing here sleeps for a fixed time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from tests.e2e_slack import payloads
from tests.e2e_slack.fake_slack import FakeSlack
from tests.e2e_slack.manifest import Manifest
from tests.e2e_slack.slack_state import Channel, Ephemeral, Message, ResponsePost, User, View, block_texts
from tests.e2e_slack.socket_mode import Envelope

T = TypeVar("T")
DEFAULT_TIMEOUT = 5.0
INPUTS = ("plain_text_input", "radio_buttons", "static_select", "checkboxes", "number_input", "file_input")


@dataclass(eq=False)
class Shown:
    """Something the bot showed one member: an ack reply, a response_url post, an ephemeral, a DM."""

    source: str  # "ack" | "response" | "ephemeral" | "message"
    body: dict[str, Any]  # text / blocks
    channel: Channel | None = None
    ts: str | None = None  # an ephemeral's ts (clicks on it carry it)
    origin: Any = None  # the Ephemeral, ResponsePost or Message

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.body.get("blocks") or [])

    @property
    def text(self) -> str:
        return "\n".join([str(self.body.get("text") or ""), *block_texts(self.blocks)])


def find_element(
    blocks: list[dict[str, Any]], *, action_id: str | None = None, label: str | None = None
) -> tuple[str, dict[str, Any]]:
    """(block_id, element) of the first interactive element whose action_id is or starts with `action_id`
    and whose text (or placeholder) is `label`."""
    for i, block in enumerate(blocks):
        elements = list(block.get("elements") or [])
        for key in ("accessory", "element"):
            if key in block:
                elements.append(block[key])
        for element in elements:
            if not isinstance(element, dict) or "action_id" not in element:
                continue
            shown = (element.get("text") or element.get("placeholder") or {}).get("text")
            if action_id is not None and not str(element["action_id"]).startswith(action_id):
                continue
            if label is not None and shown != label:
                continue
            return str(block.get("block_id") or f"b{i}"), element
    found = [
        (e.get("action_id"), (e.get("text") or {}).get("text"))
        for b in blocks
        for e in [*(b.get("elements") or []), b.get("accessory") or {}, b.get("element") or {}]
        if isinstance(e, dict) and "action_id" in e
    ]
    raise LookupError(f"no element with action_id={action_id!r} label={label!r}; elements: {found}")


def option_of(element: dict[str, Any], choice: str) -> dict[str, Any]:
    """An option of a select/radio element by its value or its visible text."""
    for option in element.get("options") or []:
        if choice in (option.get("value"), option["text"]["text"]):
            return {k: option[k] for k in ("text", "value") if k in option}
    options = [(o.get("value"), o["text"]["text"]) for o in element.get("options") or []]
    raise LookupError(f"no option {choice!r} in {element.get('action_id')}: {options}")


class Interaction:
    """One thing a member did through Socket Mode (command, click, shortcut, submit) and its answers."""

    def __init__(
        self,
        slack: Harness,
        actor: Actor,
        envelope: Envelope,
        *,
        trigger_id: str | None = None,
        response_url: str | None = None,
        channel: Channel | None = None,
    ) -> None:
        self.slack, self.actor, self.envelope = slack, actor, envelope
        self.trigger_id, self.response_url, self.channel = trigger_id, response_url, channel
        self._ephemerals_from = len(slack.state.ephemerals)
        self._messages_from = len(slack.state.messages)

    @property
    def latency(self) -> float | None:
        return self.envelope.latency

    async def ack(self, *, within: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """The ack frame's payload ({} for a bare ack)."""
        await self.slack.wait_until(lambda: self.envelope.acked.is_set(), within=within, what="the ack")
        return self.envelope.ack_payload or {}

    def shown(self) -> list[Shown]:
        """Everything shown to this member in answer, oldest first: the ack, response_url posts,
        ephemerals and DMs to them since the interaction started."""
        state, found = self.slack.state, []
        ack = self.envelope.ack_payload or {}
        if ack.get("text") or ack.get("blocks"):
            found.append(Shown("ack", ack, self.channel))
        if self.response_url is not None:
            url_id = self.response_url.rsplit("/", 1)[1]
            found += [Shown("response", r.body, self.channel, origin=r) for r in state.responses if r.url_id == url_id]
        found += [
            Shown("ephemeral", {"text": e.text, "blocks": e.blocks}, e.channel, e.ts, e)
            for e in state.ephemerals[self._ephemerals_from :]
            if e.user == self.actor.id and not e.deleted
        ]
        found += [
            Shown("message", {"text": m.text, "blocks": m.blocks}, m.channel, m.ts, m)
            for m in state.messages[self._messages_from :]
            if m.by_bot and m.channel.id == "D" + self.actor.id[1:]
        ]
        return found

    async def reply(self, *, within: float = DEFAULT_TIMEOUT) -> Shown:
        """The first answer the member sees (not a modal: see `view`)."""
        return await self.slack.wait_until(
            lambda: (self.shown() or [None])[0], within=within, what=f"a reply to {self.actor.name}'s {self._what()}"
        )

    async def view(self, *, within: float = DEFAULT_TIMEOUT) -> View:
        """The modal the bot opened (or pushed) with this interaction's trigger_id, as it is now."""

        def opened() -> View | None:
            for call in self.slack.api.calls("views.open", ok=True) + self.slack.api.calls("views.push", ok=True):
                if call.args.get("trigger_id") == self.trigger_id:
                    return self.slack.state.views[call.response["view"]["id"]]
            return None

        return await self.slack.wait_until(opened, within=within, what=f"a modal for {self._what()}")

    async def errors(self, *, within: float = DEFAULT_TIMEOUT) -> dict[str, str]:
        """`response_action: errors` of a view_submission ack ({} when the form was accepted)."""
        ack = await self.ack(within=within)
        return dict(ack.get("errors") or {}) if ack.get("response_action") == "errors" else {}

    def _what(self) -> str:
        payload = self.envelope.payload
        return str(payload.get("command") or payload.get("type") or self.envelope.type)


class Actor:
    """A workspace member: posts in channels and threads, runs commands, clicks, submits, uses shortcuts."""

    def __init__(self, slack: Harness, user: User) -> None:
        self.slack, self.user = slack, user

    @property
    def id(self) -> str:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.name

    # -- messages -------------------------------------------------------------------------------

    async def posts(self, channel: Channel, text: str, *, files: list[dict[str, Any]] | None = None) -> Message:
        return await self._post(channel, text, thread_ts=None, files=files)

    async def posts_in_thread(
        self, parent: Message, text: str, *, broadcast: bool = False, files: list[dict[str, Any]] | None = None
    ) -> Message:
        """A reply in `parent`'s thread; `broadcast` also sends it to the channel (subtype thread_broadcast)."""
        subtype = "thread_broadcast" if broadcast else ("file_share" if files else None)
        return await self._post(parent.channel, text, thread_ts=parent.ts, files=files, subtype=subtype)

    async def _post(
        self,
        channel: Channel,
        text: str,
        *,
        thread_ts: str | None,
        files: list[dict[str, Any]] | None,
        subtype: str | None = None,
    ) -> Message:
        if self.id not in channel.members:
            raise PermissionError(f"{self.name} is not in #{channel.name}")
        message = self.slack.state.add_message(
            channel, self.id, text=text, thread_ts=thread_ts, files=list(files or []), subtype=subtype
        )
        await self.slack.fake.events.emit(payloads.message_event(message))
        return message

    async def edits(self, message: Message, text: str) -> Message:
        previous = message.payload()
        message.text, message.edited_ts = text, self.slack.state.ts.next()
        await self.slack.fake.events.emit(payloads.message_changed(message, previous, message.edited_ts))
        return message

    async def deletes(self, message: Message) -> None:
        message.deleted = True
        await self.slack.fake.events.emit(payloads.message_deleted(message, self.slack.state.ts.next()))

    # -- interactions ---------------------------------------------------------------------------

    async def runs(self, line: str, *, channel: Channel | None = None) -> Interaction:
        """A slash command as typed: "/grill setup <#C1|grill> 09:00 Europe/Paris"."""
        command, _, text = line.partition(" ")
        manifest = self.slack.manifest
        if manifest is not None and command not in manifest.commands:
            raise LookupError(f"the manifest declares no {command}; it has {sorted(manifest.commands)}")
        where = channel or self.slack.default_channel
        trigger = self.slack.state.new_trigger(self.id)
        url = self.slack.fake.files.new_response_url(user=self.user, channel=where)
        payload = payloads.slash_command(self.user, where, command, text.strip(), response_url=url, trigger_id=trigger)
        envelope = await self.slack.socket.deliver("slash_commands", payload)
        return Interaction(self.slack, self, envelope, trigger_id=trigger, response_url=url, channel=where)

    async def clicks(
        self,
        target: Message | Shown | View,
        action_id: str | None = None,
        *,
        label: str | None = None,
        choice: str | None = None,
    ) -> Interaction:
        """Press a button (by action_id prefix and/or label) on a message, an ephemeral reply or a view;
        with `choice`, pick that option (value or text) in a select or radio element instead."""
        block_id, element = find_element(target.blocks, action_id=action_id, label=label)
        selected = option_of(element, choice) if choice is not None else None
        action = payloads.action_of(element, block_id, selected=selected)
        if isinstance(target, View) and selected is not None:  # a view's state carries the pick too
            picked = {"type": element["type"], "selected_option": selected}
            target.state.setdefault(block_id, {})[element["action_id"]] = picked
        return await self._act(target, action)

    async def clicks_crafted(self, channel: Channel, action_id: str, value: str = "") -> Interaction:
        """A press carrying any action_id/value (copied from elsewhere or made up) on a bot ephemeral,
        as a modified client could send it."""
        fake = Ephemeral(channel, self.id, self.slack.state.ts.next(), "…")
        element = {
            "type": "button",
            "action_id": action_id,
            "value": value,
            "text": {"type": "plain_text", "text": "x"},
        }
        return await self._act(Shown("ephemeral", {}, channel, fake.ts, fake), payloads.action_of(element, "crafted"))

    async def _act(self, target: Message | Shown | View, action: dict[str, Any]) -> Interaction:
        state, files = self.slack.state, self.slack.fake.files
        trigger = state.new_trigger(self.id)
        url: str | None = None
        channel: Channel | None = None
        if isinstance(target, View):
            payload = payloads.block_actions(self.user, action, trigger_id=trigger, view=target)
        elif isinstance(target, Message):
            channel = target.channel
            url = files.new_response_url(user=self.user, channel=channel, message=target)
            payload = payloads.block_actions(self.user, action, trigger_id=trigger, message=target, response_url=url)
        else:
            channel = target.channel
            assert channel is not None and target.ts is not None, "this reply cannot be clicked"
            origin = target.origin if isinstance(target.origin, Ephemeral) else None
            url = files.new_response_url(user=self.user, channel=channel, ephemeral=origin)
            payload = payloads.block_actions(
                self.user, action, trigger_id=trigger, ephemeral=(channel, target.ts), response_url=url
            )
        envelope = await self.slack.socket.deliver("interactive", payload)
        return Interaction(self.slack, self, envelope, trigger_id=trigger, response_url=url, channel=channel)

    async def submits(self, view: View, values: dict[str, Any]) -> Interaction:
        """Submit the modal as the bot rendered it: `values` maps an input's action_id or block_id to text,
        an option (value or text) or a list of options. Inputs left out are submitted empty."""
        state_values: dict[str, dict[str, Any]] = {}
        for i, block in enumerate(view.blocks):
            element = block.get("element")
            if block.get("type") != "input" or not isinstance(element, dict) or element.get("type") not in INPUTS:
                continue
            block_id, action_id = str(block.get("block_id") or f"b{i}"), str(element.get("action_id") or f"a{i}")
            given = values.get(action_id, values.get(block_id))
            state_values.setdefault(block_id, {})[action_id] = _input_state(element, given)
        unknown = set(values) - {k for b, inner in state_values.items() for k in (b, *inner)}
        if unknown:
            raise LookupError(f"the modal has no input {sorted(unknown)}; it has {state_values}")
        trigger = self.slack.state.new_trigger(self.id)
        payload = payloads.view_submission(self.user, view, state_values, trigger_id=trigger)
        envelope = await self.slack.socket.deliver("interactive", payload)
        interaction = Interaction(self.slack, self, envelope, trigger_id=trigger)
        self.slack.follow_submission(view, envelope)
        return interaction

    async def shortcut(self, name: str, message: Message, *, callback_id: str | None = None) -> Interaction:
        """A message shortcut by its name in the manifest ("Rate answer"), on `message`."""
        manifest = self.slack.manifest
        if callback_id is None:
            if manifest is None or name not in manifest.shortcuts:
                raise LookupError(f"no message shortcut {name!r} in the manifest ({manifest})")
            callback_id = manifest.shortcuts[name]
        state = self.slack.state
        trigger = state.new_trigger(self.id)
        url = self.slack.fake.files.new_response_url(user=self.user, channel=message.channel)
        payload = payloads.message_action(self.user, message, callback_id, trigger_id=trigger, response_url=url)
        envelope = await self.slack.socket.deliver("interactive", payload)
        return Interaction(self.slack, self, envelope, trigger_id=trigger, response_url=url, channel=message.channel)

    async def opens_home(self, *, within: float = DEFAULT_TIMEOUT) -> View:
        """Open the app's Home tab: app_home_opened, then the view the bot published for this member."""
        before = len(self.slack.api.calls("views.publish"))
        home = self.slack.fake.views.homes.get(self.id)
        await self.slack.fake.events.emit(payloads.app_home_opened(self.user, home))

        def published() -> View | None:
            calls = self.slack.api.calls("views.publish")[before:]
            if any(c.ok and c.args.get("user_id") == self.id for c in calls):
                return self.slack.fake.views.homes[self.id]
            return None

        return await self.slack.wait_until(published, within=within, what=f"{self.name}'s Home tab")


def _decoded(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def markup_texts(node: Any, *, top: bool = False) -> list[str]:
    """Strings Slack parses for links and mentions: mrkdwn text objects (and, with `top`, a message
    body's own `text`); plain_text objects are shown literally and skipped."""
    found: list[str] = []
    if isinstance(node, dict):
        if isinstance(node.get("text"), str) and (top or node.get("type") == "mrkdwn"):
            found.append(node["text"])
        for value in node.values():
            if isinstance(value, (dict, list)):
                found += markup_texts(value)
    elif isinstance(node, list):
        for item in node:
            found += markup_texts(item)
    return found


def _input_state(element: dict[str, Any], given: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": given}
    if kind == "number_input":
        return {"type": kind, "value": None if given is None else str(given)}
    if kind == "file_input":
        return {"type": kind, "files": list(given or [])}
    if kind == "checkboxes":
        return {"type": kind, "selected_options": [option_of(element, str(c)) for c in given or []]}
    return {"type": kind, "selected_option": None if given is None else option_of(element, str(given))}


class Harness:
    """The test's side of the double: world building, reading, waiting, faults."""

    def __init__(self, fake: FakeSlack, manifest: Manifest | None = None) -> None:
        self.fake, self.manifest = fake, manifest
        self.state, self.api, self.socket = fake.state, fake.api, fake.socket
        self.default_channel: Channel | None = None

    # -- world building -------------------------------------------------------------------------

    def add_channel(self, name: str, *, bot_member: bool = True, is_private: bool = False) -> Channel:
        channel = self.state.add_channel(name, bot_member=bot_member, is_private=is_private)
        self.default_channel = self.default_channel or channel
        return channel

    def add_user(
        self,
        name: str,
        *,
        admin: bool = False,
        owner: bool = False,
        display_name: str | None = None,
        channels: Iterable[Channel] = (),
    ) -> Actor:
        """A member; `display_name` defaults to the name (pass "" for Slack's frequent empty one)."""
        user = self.state.add_user(
            name,
            display_name=name if display_name is None else display_name,
            real_name=name.title(),
            is_admin=admin,
            is_owner=owner,
        )
        for channel in channels:
            channel.members.add(user.id)
        return Actor(self, user)

    def member_file(self, actor: Actor, filename: str, data: bytes) -> dict[str, Any]:
        """A file `actor` uploaded, as a file_input or a message's `files` carries it."""
        return self.fake.files.member_file(actor.id, filename, data)

    def add_usergroup(self, members: Iterable[Actor]) -> str:
        """A user group (its id, S…) holding `members`, as usergroups.users.list returns it."""
        group_id = self.state.new_id("S")
        self.state.usergroups[group_id] = [m.id for m in members]
        return group_id

    # -- reading --------------------------------------------------------------------------------

    def messages(self, channel: Channel, *, by_bot: bool | None = None, thread: Message | None = None) -> list[Message]:
        """Messages in a channel (or in `thread`, parent first), oldest first."""
        found = (
            self.state.thread(channel.id, thread.ts)
            if thread
            else sorted(self.state.top_level(channel.id), key=lambda m: float(m.ts))
        )
        return [m for m in found if by_bot is None or m.by_bot == by_bot]

    async def wait_for_message(
        self,
        channel: Channel | None = None,
        *,
        contains: str = "",
        thread: Message | None = None,
        where: Callable[[Message], bool] = lambda m: True,
        after: Message | None = None,
        within: float = DEFAULT_TIMEOUT,
    ) -> Message:
        """The first bot message (in `channel`, in `thread`, newer than `after`) whose text contains `contains`."""

        def match() -> Message | None:
            for message in self.state.messages:
                if (
                    message.by_bot
                    and not message.deleted
                    and (channel is None or message.channel is channel)
                    and (thread is None or (message.thread_ts == thread.ts and message is not thread))
                    and (after is None or float(message.ts) > float(after.ts))
                    and contains in message.text_all()
                    and where(message)
                ):
                    return message
            return None

        place = f"#{channel.name}" if channel else "any channel"
        return await self.wait_until(match, within=within, what=f"a bot message in {place} containing {contains!r}")

    def ephemerals(self, actor: Actor) -> list[Ephemeral]:
        return [e for e in self.state.ephemerals if e.user == actor.id]

    def responses(self) -> list[ResponsePost]:
        return list(self.state.responses)

    # -- modal lifecycle ------------------------------------------------------------------------

    def follow_submission(self, view: View, envelope: Envelope) -> None:
        """Apply the ack's response_action to the modal as the ack is read: close (default, `clear`),
        `update` in place, `push` a new view, or keep it open on `errors`."""

        def on_ack(acked: Envelope) -> None:
            ack = acked.ack_payload or {}
            action = ack.get("response_action")
            if action == "update":
                view.history.append(view.body)
                view.body = ack["view"]
            elif action == "push":
                pushed = View(self.state.new_id("V"), view.user, ack["view"], "pushed", view.root_id, view.id)
                self.state.views[pushed.id] = pushed
            elif action == "clear":
                for other in self.fake.views.stack(view):
                    other.closed = True
            elif action != "errors":
                view.closed = True

        if envelope.acked.is_set():
            on_ack(envelope)
        else:
            envelope.on_ack = on_ack

    # -- connection faults ----------------------------------------------------------------------

    async def refresh_connection(self) -> None:
        """Slack's `disconnect` (refresh_requested): the client opens a new socket."""
        await self.socket.disconnect()

    async def outage(self) -> None:
        """Drop the bot's socket and refuse new ones until `end_outage()`; events meanwhile are lost."""
        await self.socket.drop()

    async def end_outage(self, *, within: float = 20.0) -> None:
        hellos = self.socket.hellos
        self.socket.restore()
        await self.wait_until(lambda: self.socket.hellos > hellos, within=within, what="the bot's reconnection")

    async def wait_connected(self, *, within: float = 15.0) -> None:
        await self.wait_until(lambda: self.socket.connected, within=within, what="the bot's socket")

    # -- what the bot sent ----------------------------------------------------------------------

    def outgoing(self) -> list[tuple[str, str]]:
        """Every string the bot sent that Slack parses as markup: a message's `text` and every mrkdwn
        object in blocks and views, from Web API calls, acks and response_url posts."""
        sent: list[tuple[str, str]] = []
        for call in self.api.calls_log:
            if call.method.startswith("chat.") and isinstance(call.args.get("text"), str):
                sent.append((f"{call.method}.text", call.args["text"]))
            if isinstance(call.args.get("initial_comment"), str):
                sent.append((f"{call.method}.initial_comment", call.args["initial_comment"]))
            for key in ("blocks", "view"):
                if key in call.args:
                    sent += [(f"{call.method}.{key}", t) for t in markup_texts(_decoded(call.args[key]))]
        for frame in self.socket.frames_in:
            sent += [("ack", t) for t in markup_texts(frame.get("payload") or {}, top=True)]
        for response in self.state.responses:
            sent += [("response_url", t) for t in markup_texts(response.body, top=True)]
        return sent

    # -- waiting --------------------------------------------------------------------------------

    async def wait_until(
        self, predicate: Callable[[], T | None], *, within: float = DEFAULT_TIMEOUT, what: str = "a condition"
    ) -> T:
        return await self.state.changes.wait_until(predicate, within=within, what=what)


PING = re.compile(r"<!(channel|here|everyone)(\|[^>]*)?>|<!subteam\^|<@[UW][A-Z0-9]+")
