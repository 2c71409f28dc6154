"""The HTTP server itself: waitress, with the limits that keep idle, slow and malformed clients harmless.

waitress reads every connection in one asyncore loop and hands only complete requests to its threads, so
an idle or trickling socket costs a file descriptor and a little memory, never a thread. Its defaults
still let about 100 of them lock everyone else out (`connection_limit=100`; a socket sending a byte
every few seconds is never "idle"), keep a request that has both `Content-Length` and
`Transfer-Encoding` open for the next one (RFC 9112 §6.1 says close: request smuggling behind a proxy),
and take bodies up to 1 GB. Here:

- up to `--max-connections` sockets are held (poll(), not select(), which stops at descriptor 1024), and the
  open-file limit is raised to fit them;
- a connection has `--client-timeout` seconds to deliver a whole request, counted from its first byte (or
  from the end of its previous answer when idle): trickling headers or a body a byte at a time does not
  extend it;
- a request with both framing headers is refused with 400 and its connection closed;
- `--max-body` and `--max-header` are waitress's own caps, so an oversized body is refused (413) while it
  streams, before the app, with nothing past the limit kept; the 413 and 431 bodies name the setting.

The choice of waitress over granian, with figures: docs/connections.md.
"""

from __future__ import annotations

import logging
import resource
import socket
import time

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher
from waitress.utilities import RequestEntityTooLarge, RequestHeaderFieldsTooLarge

from .request_limits import over_limit_message
from .settings import BY_NAME, Settings

log = logging.getLogger(__name__)

BACKLOG = 2048  # connections the kernel queues before we accept them (capped by net.core.somaxconn)
RESERVED_FILES = 1024  # descriptors kept for everything but client sockets: store files, query processes' pipes
SWEEP_SECONDS = 1  # how often connections past their deadline are looked for


def raise_open_file_limit(settings: Settings) -> int:
    """Let this process (and the serving processes it forks) hold --max-connections sockets, as far as the
    hard limit allows; the number of client connections it can then hold."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = settings.max_connections + RESERVED_FILES
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    room = settings.max_connections if soft == resource.RLIM_INFINITY else max(64, soft - RESERVED_FILES)
    if room < settings.max_connections:
        log.warning("the open-file limit (%d) holds only %d client connections, not %s %d",
                    soft, room, BY_NAME["max_connections"].flag, settings.max_connections)
    return min(room, settings.max_connections)


class Parser(HTTPRequestParser):
    """waitress's parser, which also notes when the request began and refuses ambiguous framing."""

    def __init__(self, adj: Adjustments) -> None:
        super().__init__(adj)
        self.started = time.time()  # waitress's clock for last_activity

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if self.chunked and "CONTENT_LENGTH" in self.headers:
            raise ParsingError("a request may not have both Content-Length and Transfer-Encoding "
                               "(RFC 9112 section 6.1); the connection is closed")

    def received(self, data: bytes) -> int:
        """waitress's own 413 and 431, told which of our settings set the limit."""
        consumed = super().received(data)
        if isinstance(self.error, RequestEntityTooLarge):
            self.error = RequestEntityTooLarge(over_limit_message(self.adj.max_request_body_size - 1))
        elif isinstance(self.error, RequestHeaderFieldsTooLarge):
            setting = BY_NAME["max_header"]
            self.error = RequestHeaderFieldsTooLarge(
                f"the request line and headers are over the limit of {self.adj.max_request_header_size - 1} "
                f"bytes (the {setting.flag} setting, {setting.env}); send a long query by POST")
        return consumed


class Channel(HTTPChannel):
    parser_class = Parser


class Server(TcpWSGIServer):
    """waitress's TCP server, whose sweep also closes connections slower than --client-timeout."""

    channel_class = Channel

    def maintenance(self, now: float) -> None:
        cutoff = now - self.adj.channel_timeout
        for channel in list(self.active_channels.values()):
            if channel.requests:  # being answered: the app's time limits apply, not ours
                continue
            pending = channel.request
            since = pending.started if pending is not None else channel.last_activity
            if since < cutoff:
                channel.will_close = True


def adjustments(settings: Settings, connections: int) -> dict:
    """waitress's settings, from ours."""
    return {
        "threads": settings.workers,
        "ident": "ljkg",
        **proxy_options(settings),
        "connection_limit": connections,
        "channel_timeout": max(1, round(settings.client_timeout)),
        "cleanup_interval": SWEEP_SECONDS,
        "asyncore_use_poll": True,
        "backlog": BACKLOG,
        # waitress refuses at ">= limit"; ours are the largest sizes accepted
        "max_request_body_size": settings.max_body + 1,
        "max_request_header_size": settings.max_header + 1,
    }


def proxy_options(settings: Settings) -> dict:
    """waitress's own handling of a trusted reverse proxy: from that peer only, the last hop of
    X-Forwarded-For or Forwarded (--trusted-proxy-header) becomes REMOTE_ADDR; from any peer, those headers
    are dropped."""
    options: dict = {"clear_untrusted_proxy_headers": True}
    if settings.trusted_proxy:
        options.update(trusted_proxy=settings.trusted_proxy, trusted_proxy_count=1,
                       trusted_proxy_headers={settings.trusted_proxy_header.lower()})
    return options


def create_server(app, settings: Settings, sockets: list[socket.socket] | None) -> Server:
    """Our waitress server for `app`, on the given listening socket, or bound to host:port (OSError if it
    cannot be)."""
    connections = raise_open_file_limit(settings)
    where = {"sockets": sockets} if sockets else {"host": settings.host, "port": settings.port}
    adj = Adjustments(**adjustments(settings, connections), **where)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    listening = sockets[0] if sockets else None
    if listening is None:
        return Server(app, {}, dispatcher=dispatcher, adj=adj, sockinfo=adj.listen[0])
    sockinfo = (listening.family, listening.type, listening.proto, listening.getsockname())
    return Server(app, {}, _sock=listening, dispatcher=dispatcher, adj=adj, bind_socket=False, sockinfo=sockinfo)
