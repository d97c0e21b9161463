"""Every write to patron chats, by job: a chat's lifecycle, its lines, transfer offers, who is
looking at a waiting chat, blocked patrons, the watchdog, tags, offline tickets, emailed
transcripts, retention and the desks' scheduled sign-offs. Callers use the names here; each
module says what it owns."""

from chats.services.blocks import BLOCK_DURATIONS, patron_block, patron_block_lift
from chats.services.lifecycle import (
    chat_claim,
    chat_end,
    chat_end_blocked,
    chat_patron_page,
    chat_patron_seen,
    chat_rate,
    chat_requeue,
    chat_start,
    chat_transfer,
    chat_typing,
    patron_admit,
    queue_positions_push,
)
from chats.services.lookers import chat_look, chat_lookers
from chats.services.messages import chat_system_line, message_send
from chats.services.offers import (
    transfer_offer_accept,
    transfer_offer_cancel,
    transfer_offer_decline,
    transfer_offer_make,
    transfer_offers_lapse,
    transfer_offers_withdraw,
)
from chats.services.retention import patron_retention_run, retention_preview
from chats.services.sign_off import claimant_sign_off_follow, sign_offs_run
from chats.services.tags import chat_tag_set, read_scale_offer
from chats.services.tickets import (
    ticket_answer_mail,
    ticket_answer_retry,
    ticket_answered_set,
    ticket_create,
    ticket_follow_up,
    ticket_reply_add,
)
from chats.services.transcripts import chat_transcript_email, chat_transcript_send
from chats.services.watchdog import (
    chats_alert_unclaimed,
    chats_end_abandoned,
    chats_requeue_unreachable,
    claimants_presence_follow,
)

__all__ = [
    "BLOCK_DURATIONS",
    "chat_claim",
    "chat_end",
    "chat_end_blocked",
    "chat_look",
    "chat_lookers",
    "chat_patron_page",
    "chat_patron_seen",
    "chat_rate",
    "chat_requeue",
    "chat_start",
    "chat_system_line",
    "chat_tag_set",
    "chat_transfer",
    "chat_transcript_email",
    "chat_transcript_send",
    "chat_typing",
    "chats_alert_unclaimed",
    "chats_end_abandoned",
    "chats_requeue_unreachable",
    "claimant_sign_off_follow",
    "claimants_presence_follow",
    "message_send",
    "patron_admit",
    "patron_block",
    "patron_block_lift",
    "patron_retention_run",
    "queue_positions_push",
    "read_scale_offer",
    "retention_preview",
    "sign_offs_run",
    "ticket_answer_mail",
    "ticket_answer_retry",
    "ticket_answered_set",
    "ticket_create",
    "ticket_follow_up",
    "ticket_reply_add",
    "transfer_offer_accept",
    "transfer_offer_cancel",
    "transfer_offer_decline",
    "transfer_offer_make",
    "transfer_offers_lapse",
    "transfer_offers_withdraw",
]
