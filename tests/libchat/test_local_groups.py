"""The process's shared group memberships (`libchat.core.local_groups`)."""

import asyncio

from libchat.core.local_groups import SENDS_PER_TURN, LocalGroups


async def test_a_frame_to_many_sockets_lets_the_loop_turn_between_small_batches():
    # daphne writes a socket's frame on the loop's next turn: the loop must turn while a room's
    # frame is handed out, or the first reader waits for the last socket's hand-out.
    order = []

    async def hear(message):
        if not order:
            asyncio.get_running_loop().call_soon(order.append, "turn")
        order.append("socket")

    groups = LocalGroups()
    # Distinct listeners, as each socket's is its own bound method.
    groups.listeners["room.1"] = {(lambda message: hear(message)) for _ in range(200)}
    await groups._hand_out("room.1", {"type": "live.event", "text": "{}"})

    assert len(order) == 201
    assert order.index("turn") <= SENDS_PER_TURN
    assert SENDS_PER_TURN <= 50
