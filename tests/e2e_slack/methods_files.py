"""files.getUploadURLExternal, the upload itself (POST to the `upload_url` on the double), and
files.completeUploadExternal: the three steps of slack_sdk's files_upload_v2. A completed file shared
to a channel shows up there as a message with `files`.

Also the response_url endpoint (`POST /response/<id>`) that commands, clicks and shortcuts carry.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from tests.e2e_slack.events import Events
from tests.e2e_slack.payloads import message_event
from tests.e2e_slack.slack_state import BOT_USER_ID, ResponsePost, State, UploadedFile
from tests.e2e_slack.web_api import Call, SlackError, WebApi


class FileMethods:
    def __init__(self, state: State, events: Events) -> None:
        self.state, self.events = state, events
        self.response_urls: dict[str, dict[str, Any]] = {}  # id -> what it belongs to (user, channel, ...)

    def register(self, api: WebApi) -> None:
        api.method("files.getUploadURLExternal", self.upload_url)
        api.method("files.completeUploadExternal", self.complete)

    def install(self, app: web.Application) -> None:
        app.router.add_post("/upload/{file_id}", self.upload)
        app.router.add_post("/response/{url_id}", self.respond)
        app.router.add_get("/files-pri/{file_id}/{filename}", self.download)

    def member_file(self, user: str, filename: str, data: bytes) -> dict[str, Any]:
        """A file a member uploaded (e.g. in a modal's file_input): its file object, whose private
        URL the bot reads with its token."""
        upload = UploadedFile(self.state.new_id("F"), filename, len(data), data, filename)
        self.state.files[upload.id] = upload
        url = f"{self.state.base_url}/files-pri/{upload.id}/{filename}"
        return {
            "id": upload.id,
            "name": filename,
            "title": filename,
            "size": len(data),
            "user": user,
            "filetype": filename.rsplit(".", 1)[-1],
            "url_private": url,
            "url_private_download": url + "?download=1",
        }

    async def download(self, request: web.Request) -> web.Response:
        """A private file: the bot token in `Authorization`, else Slack's login page (here a 403)."""
        upload = self.state.files.get(request.match_info["file_id"])
        if request.headers.get("Authorization") != f"Bearer {self.state.bot_token}":
            return web.Response(status=403, text="sign in")
        if upload is None or upload.data is None:
            return web.Response(status=404, text="file_not_found")
        return web.Response(body=upload.data, content_type="application/octet-stream")

    async def upload_url(self, call: Call) -> dict[str, Any]:
        length = int(call.str("length"))
        if length <= 0:
            raise SlackError("invalid_arguments")
        upload = UploadedFile(self.state.new_id("F"), call.str("filename"), length)
        self.state.files[upload.id] = upload
        return {"upload_url": f"{self.state.base_url}/upload/{upload.id}", "file_id": upload.id}

    async def upload(self, request: web.Request) -> web.Response:
        upload = self.state.files.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="unknown file")
        if request.content_type == "multipart/form-data":
            form = await request.post()
            field = next(v for v in form.values() if isinstance(v, web.FileField))
            upload.data = field.file.read()
        else:
            upload.data = await request.read()
        self.state.changes.notify()
        return web.Response(text=f"OK - {len(upload.data)}")

    async def complete(self, call: Call) -> dict[str, Any]:
        listed = call.json("files")
        if not isinstance(listed, list) or not listed:
            raise SlackError("invalid_arguments")
        done = []
        for item in listed:
            upload = self.state.files.get(item.get("id", ""))
            if upload is None or upload.data is None:
                raise SlackError("file_not_found" if upload is None else "file_upload_not_complete")
            upload.title = item.get("title") or upload.filename
            done.append({"id": upload.id, "name": upload.filename, "title": upload.title, "size": len(upload.data)})
        channel_id = call.optional("channel_id") or call.optional("channels")
        if channel_id:
            channel = self.state.channels.get(channel_id)
            if channel is None:
                raise SlackError("channel_not_found")
            if BOT_USER_ID not in channel.members:
                raise SlackError("not_in_channel")
            thread_ts = call.optional("thread_ts")
            for item in done:
                self.state.files[item["id"]].channel, self.state.files[item["id"]].thread_ts = channel.id, thread_ts
            message = self.state.add_message(
                channel,
                BOT_USER_ID,
                text=call.optional("initial_comment") or "",
                thread_ts=thread_ts,
                subtype="file_share",
                files=done,
            )
            await self.events.emit(message_event(message))
        return {"files": done}

    def new_response_url(self, **owner: Any) -> str:
        url_id = self.state.new_id("R")
        self.response_urls[url_id] = owner
        return f"{self.state.base_url}/response/{url_id}"

    async def respond(self, request: web.Request) -> web.Response:
        url_id = request.match_info["url_id"]
        if url_id not in self.response_urls:
            return web.Response(status=404, text="no_such_response_url")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload")
        self.state.responses.append(ResponsePost(url_id, body, time.monotonic()))
        await self._apply(self.response_urls[url_id], body)
        self.state.changes.notify()
        return web.json_response({"ok": True})

    async def _apply(self, owner: dict[str, Any], body: dict[str, Any]) -> None:
        """What Slack does with a response: replace or delete the message the click was on, or post
        in the channel (`response_type: in_channel`); an ephemeral reply is only shown (recorded)."""
        original = owner.get("message") or owner.get("ephemeral")
        if original is not None and body.get("delete_original"):
            original.deleted = True
        elif original is not None and body.get("replace_original"):
            original.text, original.blocks = str(body.get("text", "")), list(body.get("blocks", []))
        elif body.get("response_type") == "in_channel" and owner.get("channel") is not None:
            message = self.state.add_message(
                owner["channel"],
                BOT_USER_ID,
                text=str(body.get("text", "")),
                blocks=list(body.get("blocks", [])),
                thread_ts=body.get("thread_ts"),
            )
            await self.events.emit(message_event(message))
