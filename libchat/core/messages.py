"""What a chat message may be, for patron chats and internal chat alike."""

MESSAGE_MAX_CHARS = 4000
