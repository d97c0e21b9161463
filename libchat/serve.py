"""`python -m libchat.serve`: daphne, with an access log that leaves out the secrets in paths
(`libchat.logs`) and, unless LIBCHAT_LOG_PATRON_IPS is set, the client's address; daphne's own
would write a patron's chat token on every connect, and every patron's IP. Arguments are
daphne's own."""

from daphne import cli
from daphne.access import AccessLogGenerator
from django.conf import settings

from libchat.logs import path_redact

NO_ADDRESS = "-"


class RedactingAccessLog(AccessLogGenerator):
    def write_entry(self, host, date, request, **details):
        # Read at each line, not at import: daphne imports this before Django's settings load.
        host = host if settings.LIBCHAT_LOG_PATRON_IPS else NO_ADDRESS
        super().write_entry(host, date, path_redact(request), **details)


def main() -> None:
    # daphne's command line builds its access log from this name; the rest is daphne unchanged.
    cli.AccessLogGenerator = RedactingAccessLog
    cli.CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
