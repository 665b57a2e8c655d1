"""The `data` of INTERACTION_CREATE payloads, built from what the bot registered or rendered.

A test names a command and passes Python values; the registered command's JSON says which option
types they become (and what goes in `resolved`). A test clicks a component or fills a modal by
custom_id; the rendered JSON says what is valid. A test that asks for something the Discord client
would not allow (an unknown option, a disabled button, a value outside a radio group) fails here.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.fake_models import Attachment, Channel, Member, Message, Role, walk_components
from tests.e2e.fake_state import State

# Application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
# Component types.
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT, TEXT_DISPLAY = 1, 2, 3, 4, 10
LABEL, RADIO_GROUP, CHECKBOX_GROUP, CHECKBOX = 18, 21, 22, 23


def command_data(
    state: State,
    user: Member,
    command: dict[str, Any],
    scope: int | None,
    path: list[str],
    options: dict[str, Any],
    *,
    focused: str | None = None,
) -> dict[str, Any]:
    """APPLICATION_COMMAND (or, with `focused`, AUTOCOMPLETE) data for `/name sub ... option=value`."""
    resolved: dict[str, dict[str, Any]] = {}
    definitions = command.get("options", [])
    leaf: list[dict[str, Any]] = []
    nested = leaf
    for name in path:
        sub = _definition(definitions, name, f"/{command['name']}")
        if sub["type"] not in (SUB_COMMAND, SUB_COMMAND_GROUP):
            raise ValueError(f"{name!r} is an option of /{command['name']}, not a subcommand")
        inner: list[dict[str, Any]] = []
        nested.append({"type": sub["type"], "name": name, "options": inner})
        nested, definitions = inner, sub.get("options", [])
    where = " ".join([f"/{command['name']}", *path])
    if any(d["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for d in definitions):
        raise ValueError(f"{where} needs a subcommand: {[d['name'] for d in definitions]}")
    for name, value in options.items():
        definition = _definition(definitions, name, where)
        option = {"type": definition["type"], "name": name}
        if name == focused:
            option |= {"value": str(value), "focused": True}
        else:
            option["value"] = _option_value(state, user, definition, value, resolved, where)
        nested.append(option)
    missing = [d["name"] for d in definitions if d.get("required") and d["name"] not in options]
    if missing and focused is None:
        raise ValueError(f"{where} needs {missing}")
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1, "options": leaf}
    if resolved:
        data["resolved"] = resolved
    if scope is not None:
        data["guild_id"] = str(scope)
    return data


def message_command_data(state: State, command: dict[str, Any], scope: int | None, target: Message) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": command["id"],
        "name": command["name"],
        "type": 3,
        "target_id": str(target.id),
        "resolved": {"messages": {str(target.id): target.payload(state.base_url)}},
    }
    if scope is not None:
        data["guild_id"] = str(scope)
    return data


def component_data(component: dict[str, Any], values: list[str] | None) -> dict[str, Any]:
    """MESSAGE_COMPONENT data for a button click or a string-select pick."""
    if component.get("disabled"):
        raise ValueError(f"component {component.get('custom_id')!r} is disabled")
    kind = component["type"]
    data: dict[str, Any] = {"custom_id": component["custom_id"], "component_type": kind}
    if kind == BUTTON:
        if values is not None:
            raise ValueError("a button takes no values")
        return data
    if kind != STRING_SELECT:
        raise NotImplementedError(f"component type {kind} (only buttons and string selects are scripted)")
    data["values"] = _select_values(component, values or [])
    return data


def modal_submit_data(modal: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """MODAL_SUBMIT data: the modal's tree, each input carrying the value the user typed or picked.

    Labels submit as {"type": 18, "component": {...}}, action rows as {"type": 1, "components": [...]},
    as discord.py 2.7's `Modal._refresh` walks them.
    """
    inputs = {c["custom_id"] for c in walk_components(modal["components"]) if "custom_id" in c}
    unknown = set(values) - inputs
    if unknown:
        raise KeyError(f"modal {modal['custom_id']!r} has no inputs {sorted(unknown)}; it has {sorted(inputs)}")
    ids = iter(range(1, 1000))

    def submitted(component: dict[str, Any]) -> dict[str, Any]:
        kind = component["type"]
        base = {"type": kind, "id": component.get("id") or next(ids)}
        if kind == ACTION_ROW:
            return base | {"components": [submitted(c) for c in component["components"]]}
        if kind == LABEL:
            return base | {"component": submitted(component["component"])}
        if kind == TEXT_DISPLAY:
            return base | {"content": component.get("content", "")}
        return (
            base | {"custom_id": component["custom_id"]} | _input_value(component, values.get(component["custom_id"]))
        )

    return {"custom_id": modal["custom_id"], "components": [submitted(c) for c in modal["components"]]}


# -- helpers ------------------------------------------------------------------------------------


def _definition(definitions: list[dict[str, Any]], name: str, where: str) -> dict[str, Any]:
    for definition in definitions:
        if definition["name"] == name:
            return definition
    raise KeyError(f"{where} has no option or subcommand {name!r}; it has {[d['name'] for d in definitions]}")


def _option_value(
    state: State, user: Member, definition: dict[str, Any], value: Any, resolved: dict[str, Any], where: str
) -> Any:
    kind = definition["type"]
    value = getattr(value, "member", value)  # a harness Actor stands for its member
    if kind in (STRING, INTEGER, NUMBER, BOOLEAN):
        value = {STRING: str, INTEGER: int, NUMBER: float, BOOLEAN: bool}[kind](value)
        choices = [c["value"] for c in definition.get("choices", [])]
        if choices and value not in choices:
            raise ValueError(f"{where} {definition['name']}={value!r} is not one of {choices}")
        return value
    if kind in (USER, MENTIONABLE) and isinstance(value, Member):
        resolved.setdefault("users", {})[str(value.id)] = value.user.payload()
        member = value.payload(with_user=False, permissions=_guild_permissions(value))
        resolved.setdefault("members", {})[str(value.id)] = member
        return str(value.id)
    if kind in (ROLE, MENTIONABLE) and isinstance(value, Role):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
        return str(value.id)
    if kind == CHANNEL and isinstance(value, Channel):
        allowed = definition.get("channel_types")
        if allowed and value.type not in allowed:
            raise ValueError(f"{where} {definition['name']}: channel type {value.type} not in {allowed}")
        partial = value.payload() | {"permissions": str(state.permissions(user, value))}
        resolved.setdefault("channels", {})[str(value.id)] = partial
        return str(value.id)
    if kind == ATTACHMENT and isinstance(value, Attachment):
        resolved.setdefault("attachments", {})[str(value.id)] = value.payload(state.base_url)
        return str(value.id)
    raise TypeError(f"{where} {definition['name']}: cannot pass {value!r} as option type {kind}")


def _guild_permissions(member: Member) -> int:
    value = member.guild.everyone.permissions
    for role in member.roles:
        value |= role.permissions
    return value


def _select_values(component: dict[str, Any], values: list[str]) -> list[str]:
    options = [o["value"] for o in component.get("options", [])]
    low, high = component.get("min_values", 1), component.get("max_values", 1)
    if any(v not in options for v in values) or not low <= len(values) <= high:
        raise ValueError(f"select {component['custom_id']!r}: {values} must be {low}-{high} of {options}")
    return values


def _input_value(component: dict[str, Any], value: Any) -> dict[str, Any]:
    kind, custom_id = component["type"], component["custom_id"]
    required = component.get("required", True)
    if kind == TEXT_INPUT:
        text = "" if value is None else str(value)
        low, high = component.get("min_length", 0), component.get("max_length", 4000)
        if (text or required) and not max(low, int(required)) <= len(text) <= high:
            raise ValueError(f"text input {custom_id!r} needs {max(low, int(required))}-{high} characters")
        return {"value": text}
    if kind == RADIO_GROUP:
        options = [o["value"] for o in component.get("options", [])]
        if (value is None and required) or (value is not None and str(value) not in options):
            raise ValueError(f"radio group {custom_id!r}: {value!r} is not one of {options}")
        return {"value": None if value is None else str(value)}
    if kind == CHECKBOX_GROUP:
        return {"values": [str(v) for v in value or []]}
    if kind == CHECKBOX:
        return {"value": bool(value)}
    if kind == STRING_SELECT:
        return {"values": _select_values(component, [str(v) for v in value or []])}
    raise NotImplementedError(f"modal input type {kind} ({custom_id!r}) is not scripted")
