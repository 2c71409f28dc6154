"""The operating-system sandbox of a query process: it cannot open a network path, whatever the query says.

The SPARQL guard (sparql.py) refuses SERVICE before evaluation, but it reads text; if some query ever
fooled it, the engine would fetch the URL. So, unless --allow-remote, each query process loads a seccomp
filter right after the fork (querypool.py), before its threads start and before it receives a job: the
kernel then answers EPERM to every system call that could reach another machine or a process that could.

seccomp rather than Landlock: Landlock (ABI 4+) restricts TCP bind/connect only, so a name lookup would
still send its UDP packet to the resolver, and it needs an LSM that kernels do not always enable. The
filter is built with libseccomp through pyseccomp, a ctypes binding with the API of libseccomp's own
Python bindings, rather than hand-assembled BPF (libseccomp also takes care of other ABIs, such as
32-bit system calls made by a 64-bit process, which would otherwise slip past a filter on numbers).

What is refused, and why (docs/sandbox.md):
- creating a socket of any family, AF_UNIX included: glibc hands name lookups to nscd, systemd-resolved
  and avahi over AF_UNIX, and those daemons send the packets; a query process needs no new socket (its
  pipes to the serving process are created before the fork);
- connect, bind, listen and accept on the sockets it inherited by the fork (the serving process's
  listening socket, its clients' connections);
- io_uring, whose operations open and connect sockets without those system calls;
- reaching into another process of the same user, which is not sandboxed (ptrace, process_vm_readv /
  process_vm_writev, pidfd_getfd take over its memory or copy its sockets);
- request_key, add_key and keyctl: the kernel's dns_resolver key type resolves a name for the caller.
Everything else is allowed: the filter is a deny list over an engine that reads files and memory.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

REFUSED = (
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
    "request_key", "add_key", "keyctl",
)

FIX = ("install libseccomp (Debian/Ubuntu: apt-get install libseccomp2; Fedora: dnf install libseccomp) and the "
       "pyseccomp package, on a Linux kernel with seccomp filters (CONFIG_SECCOMP_FILTER); or start with "
       "--allow-remote, which lets queries reach the network")


class SandboxUnavailable(Exception):
    """Query processes cannot be kept off the network here; the message names the fix."""


def prepare() -> Any:
    """The filter, built in the serving process (once, before any fork) so that a missing library is found
    at start-up; each query process loads it with `confine`."""
    try:
        import pyseccomp as seccomp
    except (ImportError, RuntimeError, OSError) as exc:  # pyseccomp raises RuntimeError without libseccomp
        raise SandboxUnavailable(f"query processes cannot be sandboxed ({exc}): {FIX}") from None
    try:
        rules = seccomp.SyscallFilter(seccomp.ALLOW)
        for name in REFUSED:
            number = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
            if number < 0:  # a libseccomp too old to know it: that call would stay open
                raise SandboxUnavailable(f"query processes cannot be sandboxed: libseccomp does not know the "
                                         f"system call {name} (version 2.5 or later is needed): {FIX}")
            rules.add_rule(seccomp.ERRNO(errno.EPERM), number)
    except OSError as exc:
        raise SandboxUnavailable(f"query processes cannot be sandboxed (libseccomp: {exc.strerror}): {FIX}") from None
    return rules


def confine(rules: Any) -> None:
    """Load the filter into this process (which must have one thread: the filter covers the threads it
    starts afterwards), then check that it holds: a TCP socket must be refused."""
    try:
        rules.load()
    except OSError as exc:
        raise SandboxUnavailable(f"the kernel refused the query processes' seccomp filter (libseccomp: "
                                 f"{exc.strerror}): {FIX}") from None
    try:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except PermissionError:
        return
    probe.close()
    raise SandboxUnavailable(f"the query processes' seccomp filter loaded but a TCP socket could still be "
                             f"opened: {FIX}")
