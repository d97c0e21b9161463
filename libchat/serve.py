"""`python -m libchat.serve`: daphne, with an access log that leaves out the secrets in paths
(`libchat.logs`); daphne's own would write a patron's chat token on every connect. Arguments are
daphne's own."""

from daphne import cli
from daphne.access import AccessLogGenerator

from libchat.logs import path_redact


class RedactingAccessLog(AccessLogGenerator):
    def write_entry(self, host, date, request, **details):
        super().write_entry(host, date, path_redact(request), **details)


def main() -> None:
    # daphne's command line builds its access log from this name; the rest is daphne unchanged.
    cli.AccessLogGenerator = RedactingAccessLog
    cli.CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
