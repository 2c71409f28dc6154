"""Forked helper processes (query, serving, validation) end with the process that forked them."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this forked process when its parent dies, busy or not (Linux).

    A query inside Oxigraph never returns to Python, so a process cannot notice by itself that the server
    was killed (`kill -9`, the OOM killer); without this it would run on and could keep the server's port.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before we asked
        os._exit(1)
