"""`python tests/without_seccomp.py COMMAND...`: run COMMAND as on a kernel without seccomp filters.

The kernel itself refuses: a filter loaded here answers ENOSYS to seccomp(2) and EINVAL to
prctl(PR_SET_SECCOMP), as a kernel built without CONFIG_SECCOMP_FILTER does, and it holds across exec and
fork, so the server's query processes meet the same refusal when they try to load their own filter.
"""

import errno
import os
import sys

import pyseccomp as seccomp

PR_SET_SECCOMP = 22  # <linux/prctl.h>

rules = seccomp.SyscallFilter(seccomp.ALLOW)
rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "seccomp")
rules.add_rule(seccomp.ERRNO(errno.EINVAL), "prctl", seccomp.Arg(0, seccomp.EQ, PR_SET_SECCOMP))
rules.load()
os.execvp(sys.argv[1], sys.argv[1:])
