"""The OpenAPI document of LibChat's public HTTP endpoints: what a library's web developer may
call without signing in (the status API, starting a chat, leaving a question, a file link, the
health check). Served at `/api/openapi.json`; `tests/libchat/test_openapi.py` has schemathesis
call every operation with generated input and check each answer against this document.

Staff pages and sockets are not a public API and are not described here.
"""

from typing import Any

from chats.services.lifecycle import NAME_MAX_CHARS
from libchat.core.messages import MESSAGE_MAX_CHARS
from widgets.models import Widget
from widgets.status_api import JS_IDENTIFIER

WIDGET_ID = {
    "name": "widget_id",
    "in": "path",
    "required": True,
    "description": "The widget's id (for the status API: or the LibChat widget id it replaces).",
    "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999_999_999_999},
}
NEVER_CACHED = {"Cache-Control": {"schema": {"type": "string"}}}


def _error(description: str, *codes: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string", "enum": list(codes)},
                        "message": {"type": "string"},
                    },
                }
            }
        },
    }


def _not_a_widget() -> dict[str, Any]:
    """An unknown or inactive widget is a JSON error; an id that is not a number matches no
    route at all, and gets the site's Not Found page."""
    answer = _error("No such widget, or it is inactive (JSON); or not an id (a page).", "not_found")
    answer["content"]["text/html"] = {"schema": {}}
    return answer


def _not_found_page() -> dict[str, Any]:
    return {"description": "No such widget.", "content": {"text/html": {"schema": {}}}}


def _status_operation(summary: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "operationId": summary.split(" ")[0].lower() + "_status",
            "parameters": [
                WIDGET_ID,
                {
                    "name": "callback",
                    "in": "query",
                    "required": False,
                    "description": "JSONP: a JavaScript identifier (dots allowed) to wrap the "
                    "answer in.",
                    "schema": {"type": "string", "pattern": f"^{JS_IDENTIFIER.pattern}$"},
                },
            ],
            "responses": {
                "200": {
                    "description": "Whether anyone is there to answer a chat from this widget.",
                    "headers": NEVER_CACHED,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["online"],
                                "properties": {"online": {"type": "boolean"}},
                                "additionalProperties": False,
                            }
                        },
                        "text/javascript": {"schema": {"type": "string"}},
                    },
                },
                "400": _error("The callback is not a JavaScript identifier.", "bad_callback"),
                "404": _not_a_widget(),
            },
        },
        "options": {
            "summary": "CORS preflight: any origin may read the status, without credentials.",
            "operationId": summary.split(" ")[0].lower() + "_status_preflight",
            "parameters": [WIDGET_ID],
            "responses": {
                "204": {"description": "GET is allowed from any origin."},
                "404": {"description": "Not an id.", "content": {"text/html": {"schema": {}}}},
            },
        },
    }


# Which of these a widget asks for, and requires, is its admin's choice: a form valid for one
# widget may be refused (400, with each field's message) by another.
# Each text is trimmed of leading and trailing spaces before its length is checked, and an empty
# optional field is one not given: what the schema cannot say, the descriptions do.
FORM_FIELDS = {
    "name": {
        "type": "string",
        "description": f"At most {NAME_MAX_CHARS} characters once trimmed.",
    },
    "email": {
        "anyOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}],
        "description": "An email address; empty when the widget does not require one.",
    },
    "question": {
        "type": "string",
        "description": f"At most {MESSAGE_MAX_CHARS} characters once trimmed.",
    },
}
# What embed.js knows of where the patron asks from, for the operator's patron panel. A value
# that does not fit is left out, never a reason to refuse the chat.
CHAT_CONTEXT_FIELDS = {
    "page": {
        "type": "string",
        "description": "The library page the chat starts from (http or https), kept only while "
        'the widget\'s "Send the page address" is on.',
    },
    "patron": {
        "type": "string",
        "description": "The random patron id (32 hex digits) the library's pages keep.",
    },
}


def _form_operation(
    *,
    summary: str,
    operation_id: str,
    required: list[str],
    created: dict,
    extra: dict | None = None,
) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "operationId": operation_id,
            "parameters": [WIDGET_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {**FORM_FIELDS, **(extra or {})},
                            "required": required,
                        }
                    }
                },
            },
            "responses": {
                "201": created,
                "400": {
                    "description": "A field was refused; each field's messages.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["error", "errors"],
                                "properties": {
                                    "error": {"type": "string", "enum": ["invalid"]},
                                    "errors": {
                                        "type": "object",
                                        "additionalProperties": {
                                            "type": "array",
                                            "items": {"type": "string"},
                                        },
                                    },
                                },
                            }
                        }
                    },
                },
                "403": _error(
                    "Not for this patron now; the same answer whatever the reason.", "unavailable"
                ),
                "404": _not_found_page(),
                "409": {
                    "description": "Nobody is online: the widget's offline behaviour applies.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["error", "message", "offline_behaviour"],
                                "properties": {
                                    "error": {"type": "string"},
                                    "message": {"type": "string"},
                                    "offline_behaviour": {
                                        "type": "string",
                                        "enum": list(Widget.Offline.values),
                                    },
                                },
                            }
                        }
                    },
                },
                "429": _error("Too many chats or questions from this address.", "rate_limited"),
            },
        }
    }


def document() -> dict[str, Any]:
    """The OpenAPI 3.0 document (schemathesis checks answers against it)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "LibChat public API",
            "version": "1.0",
            "description": "What a library's pages may call without signing in.",
        },
        "paths": {
            "/api/1.0/chat/widgets/status/{widget_id}": _status_operation("API status of a widget"),
            "/1.0/chat/widgets/status/{widget_id}": _status_operation(
                "LibChat status of a widget, at the path Springshare's LibChat pages use"
            ),
            "/widget/{widget_id}/chat/": _form_operation(
                summary="Start a chat from the widget's pre-chat form.",
                operation_id="chat_start",
                required=["question"],
                extra=CHAT_CONTEXT_FIELDS,
                created={
                    "description": "Queued; the token opens the chat's socket.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["token", "chat_id"],
                                "properties": {
                                    "token": {"type": "string"},
                                    "chat_id": {"type": "integer"},
                                },
                            }
                        }
                    },
                },
            ),
            "/widget/{widget_id}/ticket/": _form_operation(
                summary="Leave a question through the offline form, answered by email.",
                operation_id="ticket_create",
                required=["email", "question"],
                extra={"patron": CHAT_CONTEXT_FIELDS["patron"]},
                created={
                    "description": "Kept.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["message"],
                                "properties": {"message": {"type": "string"}},
                            }
                        }
                    },
                },
            ),
            "/widget/files/{key}/": {
                "get": {
                    "summary": "A file sent in a chat; the key in its link is the credential.",
                    "operationId": "chat_file",
                    "parameters": [
                        {
                            "name": "key",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {"description": "The file.", "content": {"*/*": {"schema": {}}}},
                        "404": {"description": "No such file.", "content": {"*/*": {"schema": {}}}},
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Health: the database, Redis and the channel layer.",
                    "operationId": "healthz",
                    "responses": {
                        str(code): {
                            "description": description,
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["status", *parts],
                                        "properties": {
                                            "status": {"type": "string", "enum": [word]},
                                            **{p: {"type": "string"} for p in parts},
                                        },
                                    }
                                }
                            },
                        }
                        for code, word, description in [
                            (200, "ok", "Every part answered."),
                            (503, "failed", "A part did not answer in time; each part says."),
                        ]
                        for parts in [["database", "redis", "channel_layer"]]
                    },
                }
            },
        },
    }
