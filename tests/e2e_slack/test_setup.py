"""/grill setup and the admin check on Slack: every mistake explained, non-admins refused server-side."""

from __future__ import annotations

import pytest

from tests.e2e_slack.conftest import LaunchBot, Workspace, needs_adapter
from tests.e2e_slack.flow import said, set_up
from tests.e2e_slack.harness import Harness

pytestmark = [pytest.mark.e2e, needs_adapter]


async def test_setup_explains_each_mistake_and_refuses_non_admins(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    admin, member, grill = workspace.admin, workspace.member, workspace.grill
    assert "HH:MM" in await said(await admin.runs(f"/grill setup <#{grill.id}|grill> 9am UTC"))
    assert "Europe/Paris" in await said(await admin.runs(f"/grill setup <#{grill.id}|grill> 09:00 Paris"))
    outside = slack.add_channel("elsewhere", bot_member=False)
    refused = await said(await admin.runs(f"/grill setup <#{outside.id}|elsewhere> 09:00 UTC"))
    assert "/invite @grillbot" in refused
    # Slack shows /grill to everyone: a member's hand-typed setup must be refused by the bot itself.
    crafted = await said(await member.runs(f"/grill setup <#{grill.id}|grill> 09:00 UTC"))
    assert "admins and owners" in crafted
    assert "not set up" in await said(await admin.runs("/grill post"))
    assert "Daily grill set" in await set_up(workspace)
    assert [c.args["user"] for c in slack.api.calls("users.info")].count(member.id) >= 1
    assert not slack.messages(grill, by_bot=True)  # nothing was posted by the refused runs


async def test_members_of_the_admin_user_group_may_run_grill(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    carol = slack.add_user("carol", channels=[workspace.grill])
    group = slack.add_usergroup([carol])
    await launch_bot(env={"GRILLBOT_SLACK_ADMIN_GROUP": group})
    assert "Daily grill set" in await said(await carol.runs(f"/grill setup <#{workspace.grill.id}|grill> 09:00 UTC"))
    assert "admins and owners" in await said(await workspace.member.runs("/grill pause"))
    assert {c.args["usergroup"] for c in slack.api.calls("usergroups.users.list")} == {group}
