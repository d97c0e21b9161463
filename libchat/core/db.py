"""Database calls from consumers, run in a pool of threads rather than one.

Channels' `database_sync_to_async` is thread-sensitive: every database call of a daphne process
runs in one shared thread, so one slow call (a send waiting for its room's lock, a burst of
sockets connecting) holds up all the others. Each call here is self-contained (a service or
selector, with its own transaction), so it may run on any thread; Django gives each thread its
own connection, from the pool in production mode.
"""

from channels.db import DatabaseSyncToAsync


def database_sync_to_async(function):
    return DatabaseSyncToAsync(function, thread_sensitive=False)
