"""The core every app builds on: live registries, the frame protocol, refusals, database and rate
limit helpers, rich text and the message limit, uploads, tokens, durations, site settings.

The rule: nothing under `libchat.core` imports a feature app (accounts, departments, widgets,
internalchat, faqs, chats, meetings) or the shell around it (`libchat.settings`, `urls`, `views`,
...); every app may import the core. `tests/libchat/test_layering.py` holds the code to it.
"""
