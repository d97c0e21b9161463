"""Give chats from before the record a best-effort history: what was kept then is the last
claimant and their claim time, and the operators' own messages. Each operator who wrote in the
chat, or held it last, took part; the earliest of those times is the first claim; the first
operator message is the first response; an ended chat gets its end."""

from django.db import migrations

BATCH = 2000


def backfill(apps, schema_editor):
    PatronChat = apps.get_model("chats", "PatronChat")
    PatronMessage = apps.get_model("chats", "PatronMessage")
    ChatEvent = apps.get_model("chats", "ChatEvent")
    ChatParticipant = apps.get_model("chats", "ChatParticipant")
    chats = PatronChat.objects.filter(first_claimed_at__isnull=True).order_by("pk")
    last_pk = 0
    while True:
        batch = list(
            chats.filter(pk__gt=last_pk).values("pk", "claimed_by_id", "claimed_at", "ended_at")[
                :BATCH
            ]
        )
        if not batch:
            return
        last_pk = batch[-1]["pk"]
        firsts = {}  # chat id -> {operator id: first message time}
        lines = (
            PatronMessage.objects.filter(
                chat_id__in=[c["pk"] for c in batch], sender="operator", operator__isnull=False
            )
            .order_by("chat_id", "number")
            .values_list("chat_id", "operator_id", "created_at")
        )
        for chat_id, operator_id, at in lines:
            firsts.setdefault(chat_id, {}).setdefault(operator_id, at)
        events, participants = [], []
        for chat in batch:
            wrote = firsts.get(chat["pk"], {})
            joined = dict(wrote)
            if chat["claimed_by_id"] and chat["claimed_at"]:
                held = joined.get(chat["claimed_by_id"])
                joined[chat["claimed_by_id"]] = min(filter(None, [held, chat["claimed_at"]]))
            for operator_id, at in sorted(joined.items(), key=lambda item: item[1]):
                participants.append(
                    ChatParticipant(
                        chat_id=chat["pk"],
                        operator_id=operator_id,
                        joined_at=at,
                        first_message_at=wrote.get(operator_id),
                    )
                )
                events.append(
                    ChatEvent(chat_id=chat["pk"], kind="claimed", at=at, to_operator_id=operator_id)
                )
            if chat["ended_at"]:
                events.append(ChatEvent(chat_id=chat["pk"], kind="ended", at=chat["ended_at"]))
            if joined:
                PatronChat.objects.filter(pk=chat["pk"]).update(
                    first_claimed_at=min(joined.values()),
                    first_response_at=min(wrote.values()) if wrote else None,
                )
        ChatParticipant.objects.bulk_create(participants, ignore_conflicts=True)
        ChatEvent.objects.bulk_create(events)


class Migration(migrations.Migration):
    dependencies = [("chats", "0005_chat_record")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
