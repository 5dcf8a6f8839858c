"""The local Bot API server's control API as Python: what the playground and tests call.

(The same API as JSON under /_local/ is tested in test_localapi.py.)
"""

from __future__ import annotations

import asyncio

import aiohttp

from bot.localapi import ControlApi, LocalBotApi


async def test_an_event_added_through_the_control_api_reaches_a_waiting_page():
    async with LocalBotApi(bot_username="cq_faq_bot") as api:
        assert isinstance(api.control, ControlApi)
        last = api.control.state()["last_event_id"]
        waiting = asyncio.create_task(api.control.wait_for_events(after=last, timeout=3))
        await asyncio.sleep(0.05)
        assert not waiting.done()  # nothing happened yet: the reader waits
        problems = ["facts.yaml:3: bad"]
        event = api.control.emit("knowledge_reloaded", ok=False, problems=problems)
        problems.append("changed afterwards")  # the stream keeps what was emitted
        assert await asyncio.wait_for(waiting, 1) == [event]
        assert event == {
            "id": last + 1,
            "type": "knowledge_reloaded",
            "date": event["date"],
            "ok": False,
            "problems": ["facts.yaml:3: bad"],
        }
        async with aiohttp.ClientSession(base_url=api.url) as http:
            async with http.get("/_local/events", params={"after": str(last)}) as response:
                assert (await response.json())["result"]["events"] == [event]


async def test_state_shows_the_world_and_a_wait_ends_when_the_server_stops():
    api = LocalBotApi(bot_username="cq_faq_bot")
    await api.start()
    alice = api.add_user("Alice", language_code="en")
    api.user_sends(alice, api.private_chat(alice), "/start")
    state = api.control.state()
    assert state["bot"]["username"] == "cq_faq_bot" and state["users"] == [alice]
    (chat,) = state["chats"]
    assert chat["chat"]["id"] == alice["id"] and chat["messages"][0]["message"]["text"] == "/start"
    assert state["pending_updates"] == 1 and state["schema_violations"] == []
    waiting = asyncio.create_task(api.control.wait_for_events(after=state["last_event_id"], timeout=30))
    await asyncio.sleep(0.05)
    await api.stop()
    assert await asyncio.wait_for(waiting, 2) == []
