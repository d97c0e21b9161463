"""The channel-layer groups of patron chats, named from ids the server trusts.

Sockets listening: the patron's page (`patron_group`), the dashboards of operators who may take
the chat (`queue_groups`) and the claimant's own dashboards (`libchat.core.live.operator_group`).
"""

from chats.models import PatronChat


def patron_group(chat_id: int) -> str:
    return f"patronchat.{chat_id}"


QUEUE_GROUP_PREFIX = "chats.queue."


def widget_queue_group(widget_id: int) -> str:
    return f"{QUEUE_GROUP_PREFIX}widget.{widget_id}"


def department_queue_group(department_id: int) -> str:
    return f"{QUEUE_GROUP_PREFIX}department.{department_id}"


def queue_groups(chat: PatronChat) -> list[str]:
    if chat.department_id:
        return [department_queue_group(chat.department_id)]
    return [widget_queue_group(chat.widget_id)]
