"""/grill through Bolt: refused to anyone but workspace admins, owners and the admin group; the
core's validators and messages behind Slack's command text."""

from __future__ import annotations

import json

from bot.slack_ui.admin import NOT_ADMIN
from tests.slack.conftest import ADMIN, CHANNEL, MEMBER, OTHER_TEAM, SPACE, TEAM, Bed


async def test_a_member_who_is_not_an_admin_is_refused_and_nothing_changes(bed: Bed):
    response = await bed.dispatch(bed.command("/grill", f"setup <#{CHANNEL}|grill> 09:00 Europe/Paris", user=MEMBER))
    assert response.status == 200  # acknowledged at once
    assert NOT_ADMIN in bed.said()
    assert (await bed.slack.services.spaces.settings(SPACE)).channel_ref is None
    assert bed.api.called("users.info") == [{"user": MEMBER}]


async def test_an_admin_sets_up_the_grill_from_slacks_command_text(bed: Bed):
    await bed.dispatch(bed.command("/grill", f"setup <#{CHANNEL}|grill> 07:30 Europe/Paris weekdays blind"))
    settings = await bed.slack.services.spaces.settings(SPACE)
    assert (settings.channel_ref, settings.post_time, settings.timezone, settings.blind_mode) == (
        CHANNEL,
        "07:30",
        "Europe/Paris",
        True,
    )
    assert settings.weekdays == (1, 2, 3, 4, 5)
    assert f"Daily grill set for <#{CHANNEL}>." in bed.said()
    assert bed.api.called("conversations.info") == [{"channel": CHANNEL}]


async def test_setup_values_are_judged_by_the_cores_validators(bed: Bed):
    await bed.dispatch(bed.command("/grill", f"setup <#{CHANNEL}|grill> 25:00 Europe/Paris"))
    await bed.dispatch(bed.command("/grill", f"setup <#{CHANNEL}|grill> 09:00 Europe/Pariss"))
    said = bed.said()
    assert "25:00" in said and "HH:MM" in said
    assert "Europe/Pariss" in said
    assert (await bed.slack.services.spaces.settings(SPACE)).channel_ref is None


async def test_setup_in_a_channel_the_bot_is_not_in_says_to_invite_it(bed: Bed):
    bed.api.replies["conversations.info"] = {"channel": {"id": CHANNEL, "is_member": False}}
    await bed.dispatch(bed.command("/grill", f"setup <#{CHANNEL}|grill> 09:00 UTC"))
    assert f"I'm not in <#{CHANNEL}> yet. Run `/invite @grillbot` in that channel" in bed.said()
    assert (await bed.slack.services.spaces.settings(SPACE)).channel_ref is None


async def test_members_of_the_admin_group_may_run_grill(bed: Bed):
    bed.slack.admin_group = "S0ADMINS"
    bed.api.replies["usergroups.users.list"] = {"users": [MEMBER]}
    await bed.dispatch(bed.command("/grill", f"setup <#{CHANNEL}|grill> 09:00 UTC", user=MEMBER))
    assert (await bed.slack.services.spaces.settings(SPACE)).channel_ref == CHANNEL
    assert bed.api.called("usergroups.users.list") == [{"usergroup": "S0ADMINS"}]


async def test_timing_ranges_are_the_cores_and_settings_show_them(bed: Bed):
    await bed.dispatch(bed.command("/grill", f"setup <#{CHANNEL}|grill> 09:00 UTC"))
    await bed.dispatch(bed.command("/grill", "timing answer_minutes=99999"))
    assert "answer_minutes takes 0 to 10080 minutes, not 99999." in bed.said()
    await bed.dispatch(bed.command("/grill", "timing answer_minutes=60 reminder_before_close=30"))
    settings = await bed.slack.services.spaces.settings(SPACE)
    assert (settings.answer_window_minutes, settings.reminder_before_close_minutes) == (60, 30)


async def test_each_workspace_has_its_own_settings(bed: Bed):
    await bed.dispatch(bed.command("/grill", f"setup <#{CHANNEL}|grill> 09:00 UTC", team=OTHER_TEAM))
    assert (await bed.slack.services.spaces.settings(f"slack:{OTHER_TEAM}")).channel_ref == CHANNEL
    assert (await bed.slack.services.spaces.settings(f"slack:{TEAM}")).channel_ref is None


async def test_an_unknown_subcommand_gets_the_usage(bed: Bed):
    await bed.dispatch(bed.command("/grill", "launch now", user=ADMIN))
    assert "`launch` is not a /grill command." in bed.said() and "/grill setup #channel" in bed.said()


async def test_an_imported_pack_is_named_in_the_workspaces_words(bed: Bed):
    bed.api.files["ours.yaml"] = (
        b"pack: ours\ntitle: Our <own>\nquestions:\n  - id: ours-1\n    type: systems\n    topics: [our-infra]\n"
        b"    difficulty: 2\n    prompt: 'Why is our GPU cluster idle at night?'\n"
        b"    key_points: ['batch jobs', 'scheduler limits']\n"
    )
    url = f"{bed.api.base}/files/ours.yaml"
    upload = {"name": "ours.yaml", "size": len(bed.api.files["ours.yaml"]), "url_private_download": url}
    submitted = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": ADMIN},
        "view": {
            "id": "V7",
            "type": "modal",
            "callback_id": "gb:import",
            "private_metadata": "",
            "state": {"values": {"pack": {"file": {"type": "file_input", "files": [upload]}}}},
        },
    }
    await bed.dispatch(submitted)
    shown = json.dumps(bed.views_shown()[-1])
    assert "Imported pack *Our &lt;own&gt;* (`ours`): 1 question (1 systems)." in shown
    assert "They join this workspace's daily grill, /drill and /classify." in shown
