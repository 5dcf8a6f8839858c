"""Methods that answer what users asked: answerCallbackQuery, answerInlineQuery."""

from __future__ import annotations

from typing import Any

from ..wire import JSONDict, bad_request
from .base import Handler, MethodGroup

__all__ = ["QueryMethods"]

QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class QueryMethods(MethodGroup):
    def table(self) -> dict[str, Handler]:
        return {
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
        }

    def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = params["callback_query_id"]
        record = self.queries.callback_queries.get(query_id)
        if record is None or record["answered"]:
            raise bad_request(QUERY_TOO_OLD)
        if len(params.get("text") or "") > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        record["answered"] = True
        answer: JSONDict = {k: params[k] for k in ("text", "show_alert", "url", "cache_time") if k in params}
        self.queries.callback_answers[query_id] = answer
        message = record["query"].get("message") or {}
        self.events.emit(
            "callback_answer",
            callback_query_id=query_id,
            chat_id=message.get("chat", {}).get("id"),
            message_id=message.get("message_id"),
            user_id=record["query"]["from"]["id"],
            **answer,
        )
        return True

    def _answer_inline_query(self, params: JSONDict) -> bool:
        query_id = params["inline_query_id"]
        record = self.queries.inline_queries.get(query_id)
        if record is None or record["answered"]:
            raise bad_request(QUERY_TOO_OLD)
        results = params["results"]
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._check_inline_result(result, seen)
        record["answered"] = True
        answer: JSONDict = {
            "results": results,
            **{k: params[k] for k in ("cache_time", "is_personal", "next_offset", "button") if k in params},
        }
        self.queries.inline_answers[query_id] = answer
        self.events.emit(
            "inline_answer",
            inline_query_id=query_id,
            user_id=record["query"]["from"]["id"],
            query=record["query"]["query"],
            **answer,
        )
        return True

    def _check_inline_result(self, result: Any, seen: set[str]) -> None:
        problems = self.spec.check(result, "InlineQueryResult", "result", strict=False)
        if problems:
            raise bad_request(f"can't parse inline query result: {problems[0]}")
        result_id = result["id"]
        if not 1 <= len(result_id.encode("utf-8")) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        content = result.get("input_message_content") or {}
        if "message_text" in content:
            self.rules.format_text(content["message_text"], content.get("parse_mode"), content.get("entities"))
        self.rules.check_reply_markup(result.get("reply_markup"))
