"""Signals other apps listen to about patron chats."""

from django.dispatch import Signal

# Sent with chat (locked by the sender), inside the transaction, when the chat's claimant lets go
# of it: it ends, goes back to the queue, or is transferred. Receivers end what hung on the claim
# (a screenshare) and may post system lines into the chat before the line that says why.
chat_released = Signal()

# Sent with chat_ids, inside the transaction, when the retention setting anonymises those chats
# (before their patron's name is cleared): receivers remove what they keep of the patron.
chats_anonymised = Signal()
