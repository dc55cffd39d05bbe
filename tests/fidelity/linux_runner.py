#!/usr/bin/env python3
"""
Linux side of the simos fidelity suite (docs/fidelity.md).

A scenario (tests/fidelity/scenarios/<id>.json) names actors (processes and threads) and lists
steps, each one system call made by one actor. This script plays the steps on this machine's
kernel, one at a time, and prints what each call returned, normalised so that simos-runner.ts can
produce exactly the same JSON: pids become actor names, errnos their names, inodes labels.

Usage:
  python3 linux_runner.py run [--jobs N] [--mode pidns|subreaper] SCENARIO.json...
                                                            JSON on stdout: {environment, results}
  python3 linux_runner.py record SCENARIO.json...           write each step's "expect" and "final"
  python3 linux_runner.py actor NAME ADDRESS                (internal) an actor after execve

How it runs. Each scenario gets a fresh user + PID namespace when the kernel allows one: the
driver is then PID 1 of that namespace, so it plays init for real (orphans are reparented to it,
kill(-1) cannot reach anything outside, and killing it kills every process the scenario made).
Without namespaces the driver is a child subreaper standing in for init, and scenarios that
require a namespace are reported as unavailable. Every actor is a real process (os.fork) or a
real thread running a command loop over a UNIX socket to the driver. Only Python's standard
library and ctypes are used.
"""
import ctypes
import errno
import fcntl
import json
import os
import resource
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
import traceback

RUNNER = os.path.abspath(__file__)

# How long a step may take before it counts as blocked: steps the scenario marks "blocks" are
# given BLOCK_WAIT; every other step REPLY_TIMEOUT (a correct run never waits that long).
BLOCK_WAIT = 0.4
REPLY_TIMEOUT = 5.0
GONE_TIMEOUT = 3.0
SCENARIO_TIMEOUT = 40.0
# Control sockets live at or above this descriptor, so fds 3.. are free for the scenario, as in simos.
CONTROL_FD_MIN = 900

libc = ctypes.CDLL(None, use_errno=True)

PR_SET_PDEATHSIG = 1
PR_GET_PDEATHSIG = 2
PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000

F_GETFD, F_SETFD, F_GETFL, F_SETFL = 1, 2, 3, 4
F_GETLK, F_SETLK, F_SETLKW = 5, 6, 7
F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 36, 37, 38
F_SETPIPE_SZ, F_GETPIPE_SZ = 1031, 1032
LOCK_CMDS = {'F_GETLK': F_GETLK, 'F_SETLK': F_SETLK, 'F_SETLKW': F_SETLKW,
             'F_OFD_GETLK': F_OFD_GETLK, 'F_OFD_SETLK': F_OFD_SETLK, 'F_OFD_SETLKW': F_OFD_SETLKW}
FCNTL_CMDS = {'F_GETFD': F_GETFD, 'F_SETFD': F_SETFD, 'F_GETFL': F_GETFL, 'F_SETFL': F_SETFL,
              'F_GETPIPE_SZ': F_GETPIPE_SZ, 'F_SETPIPE_SZ': F_SETPIPE_SZ}
LOCK_TYPES = {'F_RDLCK': 0, 'F_WRLCK': 1, 'F_UNLCK': 2}
LOCK_TYPE_NAMES = {v: k for k, v in LOCK_TYPES.items()}
LOCKF_CMDS = {'F_ULOCK': 0, 'F_LOCK': 1, 'F_TLOCK': 2, 'F_TEST': 3}
FLOCK_OPS = {'LOCK_SH': 1, 'LOCK_EX': 2, 'LOCK_NB': 4, 'LOCK_UN': 8}
OPEN_FLAGS = {'O_RDONLY': os.O_RDONLY, 'O_WRONLY': os.O_WRONLY, 'O_RDWR': os.O_RDWR,
              'O_CREAT': os.O_CREAT, 'O_EXCL': os.O_EXCL, 'O_TRUNC': os.O_TRUNC,
              'O_APPEND': os.O_APPEND, 'O_NONBLOCK': os.O_NONBLOCK, 'O_CLOEXEC': os.O_CLOEXEC}
EFD_FLAGS = {'EFD_SEMAPHORE': 1, 'EFD_NONBLOCK': os.O_NONBLOCK, 'EFD_CLOEXEC': os.O_CLOEXEC}
WAIT_OPTIONS = {'WNOHANG': 1, 'WUNTRACED': 2, 'WCONTINUED': 8}
POLL_BITS = [('POLLIN', 0x1), ('POLLPRI', 0x2), ('POLLOUT', 0x4), ('POLLERR', 0x8), ('POLLHUP', 0x10),
             ('POLLNVAL', 0x20), ('POLLRDNORM', 0x40), ('POLLWRNORM', 0x100), ('POLLRDHUP', 0x2000)]
POLL_NAMES = dict(POLL_BITS)
# F_GETFL bits a scenario may observe; O_LARGEFILE and friends are Linux bookkeeping simos lacks.
GETFL_VISIBLE = ['O_WRONLY', 'O_RDWR', 'O_APPEND', 'O_NONBLOCK']
# Aliases Python's errno table may pick; the suite always uses the first name.
ERRNO_ALIASES = {'EWOULDBLOCK': 'EAGAIN', 'EDEADLOCK': 'EDEADLK', 'ENOTSUP': 'EOPNOTSUPP'}

# Argument keys whose string values the driver resolves: actor names to pids, `as` names to fds.
PID_KEYS = ('pid', 'pgid', 'pgrp')
FD_KEYS = ('fd', 'to')


def errno_name(n):
    name = errno.errorcode.get(n, 'E%d' % n)
    return ERRNO_ALIASES.get(name, name)


def sig_number(s):
    if isinstance(s, int):
        return s
    return int(signal.Signals[s])


def sig_name(n):
    try:
        return signal.Signals(n).name
    except ValueError:
        return 'signal %d' % n


def flags_of(names, table):
    value = 0
    for n in names or []:
        if n not in table:
            raise ScenarioError('unknown flag %r (known: %s)' % (n, ', '.join(table)))
        value |= table[n]
    return value


def poll_names(mask):
    parts = [name for name, bit in POLL_BITS if mask & bit]
    rest = mask
    for _, bit in POLL_BITS:
        rest &= ~bit
    if rest:
        parts.append(hex(rest))
    return '|'.join(parts) if parts else '0'


def decode_status(status):
    """A wait status in words, the shape simos-runner.ts produces."""
    if os.WIFEXITED(status):
        return {'exited': os.WEXITSTATUS(status)}
    if os.WIFSIGNALED(status):
        out = {'signaled': sig_name(os.WTERMSIG(status))}
        if os.WCOREDUMP(status):
            out['core'] = True
        return out
    if os.WIFSTOPPED(status):
        return {'stopped': sig_name(os.WSTOPSIG(status))}
    if os.WIFCONTINUED(status):
        return {'continued': True}
    return {'raw': status}


class ScenarioError(Exception):
    """The scenario file asks for something the harness cannot do: a bug in the scenario."""


def _libc_call(fn, *args):
    ret = fn(*args)
    if ret == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return ret


def prctl(option, arg=0):
    return _libc_call(libc.prctl, ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0),
                      ctypes.c_ulong(0), ctypes.c_ulong(0))


def prctl_get_int(option):
    out = ctypes.c_int(0)
    _libc_call(libc.prctl, ctypes.c_int(option), ctypes.byref(out), ctypes.c_ulong(0),
               ctypes.c_ulong(0), ctypes.c_ulong(0))
    return out.value


def thread_exists(pid, tid):
    try:
        _libc_call(libc.tgkill, ctypes.c_int(pid), ctypes.c_int(tid), ctypes.c_int(0))
        return True
    except OSError as e:
        return e.errno != errno.ESRCH


class PollFd(ctypes.Structure):
    _fields_ = [('fd', ctypes.c_int), ('events', ctypes.c_short), ('revents', ctypes.c_short)]


def raw_poll(entries, timeout):
    """poll(2) itself (select.poll refuses negative fds, which poll(2) defines as ignored)."""
    arr = (PollFd * len(entries))()
    for i, (fd, events) in enumerate(entries):
        arr[i].fd, arr[i].events, arr[i].revents = fd, events, 0
    _libc_call(libc.poll, arr, ctypes.c_ulong(len(entries)), ctypes.c_int(timeout))
    return [arr[i].revents & 0xffff for i in range(len(entries))]


# struct flock on x86-64/aarch64: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid.
FLOCK_STRUCT = struct.Struct('hhqqi4x')


# ------------------------------------------------------------------------------------------------
# The control channel: JSON lines over a stream socket.

class Channel:
    def __init__(self, fd):
        self.fd = fd
        self.buf = b''

    def send(self, obj):
        data = (json.dumps(obj) + '\n').encode()
        while data:
            n = os.write(self.fd, data)
            data = data[n:]

    def recv(self):
        """Blocking: the next message, or None at EOF."""
        while b'\n' not in self.buf:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line)

    def feed(self):
        """Non-blocking (driver side): read what is there; returns (messages, eof)."""
        try:
            chunk = os.read(self.fd, 65536)
        except BlockingIOError:
            chunk = None
        except ConnectionResetError:  # the peer died with a message of ours unread
            chunk = b''
        eof = chunk == b''
        if chunk:
            self.buf += chunk
        msgs = []
        while b'\n' in self.buf:
            line, self.buf = self.buf.split(b'\n', 1)
            msgs.append(json.loads(line))
        return msgs, eof

    def close(self):
        try:
            os.close(self.fd)
        except OSError:
            pass


# ------------------------------------------------------------------------------------------------
# The actor: a real process (or thread) that runs one command at a time for the driver.

class ProcState:
    """What all actor threads of one process share."""
    address = None
    control_fds = set()
    caught = []
    busy = False  # the main thread is inside a step (a caught signal then interrupts it: EINTR)
    restart = {}  # signal -> SA_RESTART-like (do not interrupt)
    lock = threading.Lock()


PROC = ProcState()


def control_fd_floor():
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(10, min(CONTROL_FD_MIN, soft - 64))


def connect(name, kind):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(PROC.address)
    fd = s.detach()
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, control_fd_floor())  # keep fds 3.. free
    os.close(fd)
    with PROC.lock:
        PROC.control_fds.add(high)
    ch = Channel(high)
    ch.send({'hello': name, 'kind': kind, 'pid': os.getpid(), 'tid': threading.get_native_id()})
    return ch


def reset_signals_for_actor():
    """Python sets SIGPIPE and SIGXFSZ to SIG_IGN and SIGINT to its own handler; C programs don't."""
    for s in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(s, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)


def on_caught_signal(signo, _frame):
    PROC.caught.append(signo)
    if PROC.busy and not PROC.restart.get(signo):
        # As a C program without SA_RESTART sees it: the blocked call fails with EINTR
        # (PEP 475 would otherwise retry it silently).
        raise InterruptedError(errno.EINTR, 'Interrupted system call')


def disposition_name(h):
    if h == signal.SIG_DFL or h is None:
        return 'default'
    if h == signal.SIG_IGN:
        return 'ignore'
    return 'catch'


def set_inheritable_unless(fd, cloexec):
    # Python makes new fds close-on-exec by default (PEP 446); C's open/dup do not.
    if not cloexec:
        os.set_inheritable(fd, True)


def write_data(args):
    if 'data' in args:
        return args['data'].encode('latin-1')
    return (args.get('char', 'x') * int(args['bytes'])).encode('latin-1')


def read_result(data):
    # Long reads are summarised so recorded expectations stay readable.
    return data.decode('latin-1') if len(data) <= 64 else {'length': len(data)}


# Ops that can block, and so can be interrupted by a caught signal (EINTR); a signal that
# arrives during any other op is handled after it returns, as in C.
INTERRUPTIBLE = {'waitpid', 'read', 'write', 'flock', 'lockf', 'fcntl_lock', 'poll', 'eventfd_read', 'eventfd_write'}


def become_child(child_name):
    """In a fork child: drop the parent's control sockets, connect as the new actor, serve."""
    with PROC.lock:
        old = list(PROC.control_fds)
        PROC.control_fds = set()
    for fd in old:
        try:
            os.close(fd)
        except OSError:
            pass
    PROC.caught = []
    PROC.busy = False
    try:
        actor_loop(connect(child_name, 'process'), is_main=True)
    finally:
        os._exit(0)


def thread_main(name):
    ch = connect(name, 'thread')
    actor_loop(ch, is_main=False)


def perform(op, a):
    """Make the call `op` names, with arguments already resolved to numbers by the driver."""
    if op == 'ping':
        return 'pong'
    if op == 'fork':
        pid = os.fork()
        if pid == 0:
            become_child(a['child'])
        return pid
    if op == 'thread_start':
        threading.Thread(target=thread_main, args=(a['thread'],), daemon=True).start()
        return 0
    if op == 'exit':
        os._exit(int(a.get('code', 0)))
    if op == 'exec':
        if a.get('program') == 'missing':
            os.execv('/nonexistent/simos-fidelity-missing', ['missing'])
        # The abstract socket address starts with a NUL byte, which argv cannot carry.
        os.execv(sys.executable, [sys.executable, '-S', RUNNER, 'actor', a['name'], PROC.address[1:]])
    if op == 'getpid':
        return os.getpid()
    if op == 'getppid':
        return os.getppid()
    if op == 'getpgid':
        return os.getpgid(a.get('pid', 0))
    if op == 'getsid':
        return os.getsid(a.get('pid', 0))
    if op == 'setpgid':
        os.setpgid(a.get('pid', 0), a.get('pgid', 0))
        return 0
    if op == 'setsid':
        os.setsid()
        return os.getsid(0)
    if op == 'kill':
        os.kill(a['pid'], sig_number(a['sig']))
        return 0
    if op == 'killpg':
        os.killpg(a['pgrp'], sig_number(a['sig']))
        return 0
    if op == 'waitpid':
        pid, status = os.waitpid(a['pid'], flags_of(a.get('options'), WAIT_OPTIONS))
        return {'pid': pid, 'status': status}
    if op == 'signal':
        s = sig_number(a['sig'])
        action = a['action']
        PROC.restart[s] = action == 'catch_restart'
        handler = {'default': signal.SIG_DFL, 'ignore': signal.SIG_IGN}.get(action, on_caught_signal)
        return disposition_name(signal.signal(s, handler))
    if op == 'caught':
        out = [sig_name(s) for s in PROC.caught]
        PROC.caught = []
        return out
    if op == 'prctl_set_pdeathsig':
        return prctl(PR_SET_PDEATHSIG, sig_number(a.get('sig', 0)))
    if op == 'prctl_get_pdeathsig':
        v = prctl_get_int(PR_GET_PDEATHSIG)
        return sig_name(v) if v else 0
    if op == 'prctl_set_subreaper':
        return prctl(PR_SET_CHILD_SUBREAPER, int(a.get('on', 1)))
    if op == 'prctl_get_subreaper':
        return prctl_get_int(PR_GET_CHILD_SUBREAPER)
    if op == 'open':
        flags = flags_of(a.get('flags'), OPEN_FLAGS)
        fd = os.open(a['path'], flags, a.get('mode', 0o644))
        set_inheritable_unless(fd, flags & os.O_CLOEXEC)
        return fd
    if op == 'close':
        os.close(a['fd'])
        return 0
    if op == 'dup':
        fd = os.dup(a['fd'])
        set_inheritable_unless(fd, False)
        return fd
    if op == 'dup2':
        return os.dup2(a['fd'], a['to'])
    if op == 'write':
        return os.write(a['fd'], write_data(a))
    if op == 'read':
        return read_result(os.read(a['fd'], int(a['count'])))
    if op == 'lseek':
        whence = {'SEEK_SET': os.SEEK_SET, 'SEEK_CUR': os.SEEK_CUR, 'SEEK_END': os.SEEK_END}[a['whence']]
        return os.lseek(a['fd'], int(a['offset']), whence)
    if op in ('fstat', 'stat'):
        st = os.fstat(a['fd']) if op == 'fstat' else os.stat(a['path'])
        return {'dev': st.st_dev, 'ino': st.st_ino, 'nlink': st.st_nlink, 'size': st.st_size}
    if op == 'unlink':
        os.unlink(a['path'])
        return 0
    if op == 'rename':
        os.rename(a['path'], a['newpath'])
        return 0
    if op == 'fsync':
        os.fsync(a['fd'])
        return 0
    if op == 'flock':
        fcntl.flock(a['fd'], flags_of(a['op'], FLOCK_OPS))
        return 0
    if op == 'lockf':
        if a['cmd'] not in LOCKF_CMDS:
            raise ScenarioError('unknown lockf command %r' % a['cmd'])
        return _libc_call(libc.lockf, ctypes.c_int(a['fd']), ctypes.c_int(LOCKF_CMDS[a['cmd']]),
                          ctypes.c_long(int(a.get('len', 0))))
    if op in ('fcntl_lock', 'fcntl_getlk'):
        cmd = LOCK_CMDS[a['cmd']]
        packed = FLOCK_STRUCT.pack(LOCK_TYPES[a['type']], a.get('whence', 0), a.get('start', 0),
                                   a.get('len', 0), a.get('lpid', 0))
        out = fcntl.fcntl(a['fd'], cmd, packed)
        if op == 'fcntl_lock':
            return 0
        ltype, _whence, start, length, pid = FLOCK_STRUCT.unpack(out)
        if ltype == LOCK_TYPES['F_UNLCK']:
            return {'type': 'F_UNLCK'}
        return {'type': LOCK_TYPE_NAMES[ltype], 'start': start, 'len': length, 'pid': pid}
    if op == 'fcntl':
        if a['cmd'] not in FCNTL_CMDS:
            raise ScenarioError('unknown fcntl command %r' % a['cmd'])
        arg = a.get('arg', 0)
        if isinstance(arg, list):
            arg = flags_of(arg, OPEN_FLAGS)
        v = fcntl.fcntl(a['fd'], FCNTL_CMDS[a['cmd']], arg)
        if a['cmd'] == 'F_GETFL':
            names = [n for n in GETFL_VISIBLE if v & OPEN_FLAGS[n]]
            return names or ['O_RDONLY']
        return v
    if op == 'pipe':
        flags = flags_of(a.get('flags'), OPEN_FLAGS)
        r, w = os.pipe2(flags)
        return [r, w]
    if op == 'eventfd':
        return os.eventfd(int(a.get('initval', 0)), flags_of(a.get('flags'), EFD_FLAGS))
    if op == 'eventfd_read':
        v = os.eventfd_read(a['fd'])
        return v if v <= 2 ** 53 - 1 else str(v)  # JSON numbers above 2^53 lose digits in JS
    if op == 'eventfd_write':
        os.eventfd_write(a['fd'], int(a['value']))
        return 0
    if op == 'poll':
        entries = [(e['fd'], flags_of(e.get('events'), POLL_NAMES)) for e in a['fds']]
        return [poll_names(r) for r in raw_poll(entries, int(a.get('timeout', -1)))]
    if op == 'pidfd_open':
        return os.pidfd_open(a['pid'])
    if op == 'pidfd_send_signal':
        signal.pidfd_send_signal(a['fd'], sig_number(a['sig']))
        return 0
    if op == 'fill':
        # Write `chunk`-byte blocks until the (non-blocking) descriptor says EAGAIN.
        total, block = 0, b'x' * int(a.get('chunk', 4096))
        while True:
            try:
                total += os.write(a['fd'], block)
            except BlockingIOError:
                return total
    raise ScenarioError('unknown op %r' % op)


def actor_loop(ch, is_main):
    while True:
        msg = ch.recv()
        if msg is None:  # the driver went away
            if is_main:
                os._exit(0)
            return
        op, args, seq = msg['op'], msg.get('args') or {}, msg['seq']
        if op == 'thread_exit':
            if is_main:
                ch.send({'seq': seq, 'fatal': 'thread_exit is for thread actors; end a process with exit'})
                continue
            with PROC.lock:
                PROC.control_fds.discard(ch.fd)
            ch.close()
            return
        reply = {'seq': seq}
        if is_main and op in INTERRUPTIBLE:
            PROC.busy = True
        try:
            reply['ok'] = perform(op, args)
        except OSError as e:
            reply['errno'] = errno_name(e.errno)
        except ScenarioError as e:
            reply['fatal'] = str(e)
        except Exception:
            reply['fatal'] = traceback.format_exc()
        finally:
            PROC.busy = False
        ch.send(reply)


def actor_after_exec(name, address):
    PROC.address = '\0' + address
    reset_signals_for_actor()
    try:
        actor_loop(connect(name, 'process'), is_main=True)
    finally:
        os._exit(0)


def root_actor(name, address):
    """A top-level actor: a child of the driver (init), leading its own session like simos's first process."""
    PROC.address = address
    os.setsid()
    reset_signals_for_actor()
    devnull = os.open('/dev/null', os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.closerange(3, 1 << 16)
    actor_loop(connect(name, 'process'), is_main=True)


# ------------------------------------------------------------------------------------------------
# The driver: plays the steps, normalises the answers, plays init.

class Actor:
    def __init__(self, name, kind, pid, tid, ch, process):
        self.name, self.kind, self.pid, self.tid, self.ch = name, kind, pid, tid, ch
        self.process = process  # name of the process actor this thread belongs to
        self.pidfd = os.pidfd_open(pid) if kind == 'process' else None
        self.eof = False  # its control connection closed: it exited, exec'd or was killed
        self.gone_confirmed = False
        self.busy = None  # seq of the step it is running
        self.blocked = None  # (seq, op) of a step reported as blocked, for a later "await"
        self.replies = {}


class Driver:
    def __init__(self, scenario, workdir, mode):
        self.scenario = scenario
        self.workdir = workdir
        self.mode = mode
        self.init_pid = os.getpid()
        self.address = '\0simos-fidelity-%d-%d-%s' % (os.getpid(), time.monotonic_ns(), os.urandom(4).hex())
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.address)
        self.listener.listen(64)
        self.listener.setblocking(False)
        self.actors = {}
        self.pid_names = {}
        self.values = {}
        self.inodes = {}
        self.unclaimed = []
        self.hellos = []
        self.pings = set()
        self.seq = 0
        self.results = []

    # -- events

    def pump(self, timeout):
        fds = [self.listener.fileno()] + [c.fd for c in self.unclaimed]
        fds += [a.ch.fd for a in self.actors.values() if a.ch]
        ready = select.select(fds, [], [], max(0.0, timeout))[0]
        for fd in ready:
            if fd == self.listener.fileno():
                while True:
                    try:
                        conn, _ = self.listener.accept()
                    except BlockingIOError:
                        break
                    conn.setblocking(False)
                    self.unclaimed.append(Channel(conn.detach()))
                continue
            pending = next((c for c in self.unclaimed if c.fd == fd), None)
            if pending:
                msgs, eof = pending.feed()
                if msgs:
                    self.unclaimed.remove(pending)
                    self.register(msgs[0], pending)
                elif eof:
                    self.unclaimed.remove(pending)
                    pending.close()
                continue
            actor = next((a for a in self.actors.values() if a.ch and a.ch.fd == fd), None)
            if not actor:
                continue
            msgs, eof = actor.ch.feed()
            for m in msgs:
                if m['seq'] == actor.busy:
                    actor.busy = None
                if m['seq'] not in self.pings:
                    actor.replies[m['seq']] = m
            if eof:
                self.closed(actor)

    def register(self, hello, ch):
        name = hello['hello']
        self.hellos.append(name)
        existing = self.actors.get(name)
        if existing:  # the same actor after execve
            if existing.ch:
                existing.ch.close()
            existing.ch, existing.eof, existing.busy = ch, False, None
            return
        process = name
        if hello['kind'] == 'thread':
            process = self.pid_names.get(hello['pid'], '?')
        actor = Actor(name, hello['kind'], hello['pid'], hello['tid'], ch, process)
        self.actors[name] = actor
        if hello['kind'] == 'process':
            self.pid_names[hello['pid']] = name

    def wait_until(self, cond, timeout):
        deadline = time.monotonic() + timeout
        while not cond():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.pump(min(left, 0.05))
        return True

    def send(self, actor, op, args):
        self.seq += 1
        actor.busy = self.seq
        try:
            actor.ch.send({'seq': self.seq, 'op': op, 'args': args})
        except (BrokenPipeError, ConnectionResetError):
            # It died before we noticed its EOF (a signal raced our write): same as EOF.
            self.closed(actor)
        return self.seq

    def closed(self, actor):
        actor.ch.close()
        actor.ch = None
        actor.eof = True

    # -- names

    def pid_ref(self, n):
        if not isinstance(n, int) or n == 0:
            return n
        if n in self.pid_names:
            return self.pid_names[n]
        if n == self.init_pid:
            return 'init'
        return 'unknown pid'

    def resolve(self, value, key=None):
        if isinstance(value, dict):
            return {k: self.resolve(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, key) for v in value]
        if isinstance(value, str) and key in PID_KEYS:
            neg = value.startswith('-')
            name = value[1:] if neg else value
            if name == 'init':
                pid = self.init_pid
            elif name in self.actors and self.actors[name].kind == 'process':
                pid = self.actors[name].pid
            else:
                raise ScenarioError('%s: %r is not a process actor' % (key, value))
            return -pid if neg else pid
        if isinstance(value, str) and key in FD_KEYS:
            if value not in self.values:
                raise ScenarioError('%s: no earlier step named its result %r (use "as")' % (key, value))
            return self.values[value]
        if isinstance(value, str) and key in ('path', 'newpath'):
            return os.path.join(self.workdir, value)
        return value

    def inode_label(self, dev, ino):
        key = (dev, ino)
        if key not in self.inodes:
            self.inodes[key] = 'I%d' % (len(self.inodes) + 1)
        return self.inodes[key]

    def normalise(self, op, raw):
        if op in ('fork', 'getpid', 'getppid', 'getpgid', 'getsid', 'setsid'):
            return self.pid_ref(raw)
        if op == 'waitpid':
            if raw['pid'] == 0:
                return {'pid': 0}
            return {'pid': self.pid_ref(raw['pid']), 'status': decode_status(raw['status'])}
        if op in ('fstat', 'stat'):
            return {'inode': self.inode_label(raw['dev'], raw['ino']), 'nlink': raw['nlink'], 'size': raw['size']}
        if op == 'fcntl_getlk' and 'pid' in raw:
            return dict(raw, pid=self.pid_ref(raw['pid']) if raw['pid'] > 0 else raw['pid'])
        return raw

    def outcome(self, op, reply):
        if 'fatal' in reply:
            raise ScenarioError('actor failed: %s' % reply['fatal'])
        if 'errno' in reply:
            return {'errno': reply['errno']}
        return self.normalise(op, reply['ok'])

    # -- init's duties and observation

    def reap(self):
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def is_gone(self, a):
        if a.kind == 'process':
            return bool(raw_poll([(a.pidfd, 1)], 0)[0] & 1)
        return not thread_exists(self.actors[a.process].pid if a.process in self.actors else a.pid, a.tid)

    def wait_gone(self):
        """Actors whose connection closed: wait until the kernel has finished their exit."""
        for a in self.actors.values():
            if a.eof and not a.gone_confirmed:
                self.wait_until(lambda: self.is_gone(a), GONE_TIMEOUT)
                a.gone_confirmed = self.is_gone(a)

    def settle(self):
        """
        Let the consequences of a step finish: every idle actor answers a ping (a signal sent
        before the ping has then been acted on) or closes its connection (it died); the dead are
        waited for and reaped as init would, which may kill others (PDEATHSIG): repeat.
        """
        for _ in range(10):
            self.wait_gone()
            self.reap()
            idle = [a for a in self.actors.values() if a.ch and a.busy is None]
            for a in idle:
                self.pings.add(self.send(a, 'ping', {}))
            self.wait_until(lambda: all(a.busy is None or a.eof for a in idle), REPLY_TIMEOUT)
            if not any(a.eof and not a.gone_confirmed for a in self.actors.values()):
                break
        self.reap()

    def fates(self):
        out = {}
        for name, a in self.actors.items():
            if a.kind == 'thread':
                out[name] = 'exited' if self.is_gone(a) else 'alive'
            elif not self.is_gone(a):
                out[name] = 'alive'
            else:
                try:
                    signal.pidfd_send_signal(a.pidfd, 0)
                    out[name] = 'zombie'
                except ProcessLookupError:
                    out[name] = 'reaped'
        return out

    # -- steps

    def start_root(self, name):
        pid = os.fork()
        if pid == 0:
            try:
                root_actor(name, self.address)
            finally:
                os._exit(0)
        if not self.wait_until(lambda: name in self.actors, REPLY_TIMEOUT):
            raise ScenarioError('root actor %s never connected' % name)

    def wait_reply(self, actor, seq, timeout):
        self.wait_until(lambda: seq in actor.replies or actor.eof, timeout)
        if seq in actor.replies:
            return actor.replies.pop(seq)
        if actor.eof:
            return None  # died during the step
        return False  # still blocked

    def step(self, s):
        op = s['op']
        if op == 'fates':
            self.settle()
            return self.fates()
        actor = self.actors.get(s.get('actor'))
        if actor is None:
            raise ScenarioError('step names unknown actor %r' % s.get('actor'))
        if op == 'await':
            if actor.blocked is None:
                raise ScenarioError('await: %s has no blocked step' % actor.name)
            seq, blocked_op = actor.blocked
            reply = self.wait_reply(actor, seq, REPLY_TIMEOUT)
            if reply is not False:
                actor.blocked = None
            result = self.finish(actor, blocked_op, reply)
            self.settle()
            return result
        if actor.busy is not None:
            raise ScenarioError('%s is still blocked in an earlier step; await it first' % actor.name)
        if actor.eof:
            raise ScenarioError('%s no longer exists' % actor.name)
        args = self.resolve(s.get('args') or {})
        if op == 'exec':
            args['name'] = actor.name
        seq = self.send(actor, op, args)
        if op == 'exec':
            before = self.hellos.count(actor.name)
            self.wait_until(lambda: self.hellos.count(actor.name) > before or seq in actor.replies, REPLY_TIMEOUT)
            if seq in actor.replies:
                reply = actor.replies.pop(seq)
            else:
                reply = {'ok': 0} if self.hellos.count(actor.name) > before else False
                actor.busy = None
        else:
            reply = self.wait_reply(actor, seq, BLOCK_WAIT if s.get('blocks') else REPLY_TIMEOUT)
            if reply is False:
                actor.blocked = (seq, op)
        if op in ('fork', 'thread_start') and reply and 'ok' in reply:
            child = args['child'] if op == 'fork' else args['thread']
            if not self.wait_until(lambda: child in self.actors, REPLY_TIMEOUT):
                raise ScenarioError('%s never connected' % child)
            if op == 'thread_start':
                reply = {'ok': child}
        result = self.finish(actor, op, reply)
        if 'as' in s and isinstance(reply, dict) and 'ok' in reply:
            self.bind(s['as'], reply['ok'])
        self.settle()
        return result

    def finish(self, actor, op, reply):
        if reply is False:
            return {'blocked': True}
        if reply is None:
            return 'gone'
        return self.outcome(op, reply)

    def bind(self, names, value):
        if isinstance(names, list):
            for n, v in zip(names, value):
                self.values[n] = v
        else:
            self.values[names] = value

    def run(self):
        for name in self.scenario.get('roots', ['P']):
            self.start_root(name)
        self.settle()
        results = self.results = []
        for s in self.scenario['steps']:
            results.append(self.step(s))
        self.settle()
        return {'steps': results, 'final': self.fates()}

    def cleanup(self):
        if self.mode == 'pidns':
            try:
                os.kill(-1, signal.SIGKILL)  # as init of the namespace: everything but ourselves
            except ProcessLookupError:
                pass
        else:
            for a in self.actors.values():
                if a.kind == 'process':
                    try:
                        signal.pidfd_send_signal(a.pidfd, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        deadline = time.monotonic() + GONE_TIMEOUT
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                time.sleep(0.005)


def drive(scenario, workdir, mode):
    driver = Driver(scenario, workdir, mode)
    try:
        return driver.run()
    except ScenarioError as e:
        return {'error': 'scenario error at step %d: %s' % (len(driver.results) + 1, e), 'partial': driver.results}
    except Exception:
        return {'error': 'at step %d: %s' % (len(driver.results) + 1, traceback.format_exc()), 'partial': driver.results}
    finally:
        driver.cleanup()


# ------------------------------------------------------------------------------------------------
# Hosting: one process per scenario, in a fresh user + PID namespace when possible.

def enter_namespaces():
    uid, gid = os.getuid(), os.getgid()
    try:
        _libc_call(libc.unshare, ctypes.c_int(CLONE_NEWUSER | CLONE_NEWPID))
    except OSError:
        return False
    # Map our own ids to themselves, the one mapping an unprivileged process may write.
    with open('/proc/self/uid_map', 'w') as f:
        f.write('%d %d 1\n' % (uid, uid))
    with open('/proc/self/setgroups', 'w') as f:
        f.write('deny\n')
    with open('/proc/self/gid_map', 'w') as f:
        f.write('%d %d 1\n' % (gid, gid))
    return True


def read_all_until(fd, deadline):
    data = b''
    while time.monotonic() < deadline:
        ready = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            return data, True
        data += chunk
    return data, False


def host_scenario(scenario, out_fd, allow_namespaces):
    """Runs in a fresh child of the main process; writes one JSON result to out_fd and exits."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    workdir = tempfile.mkdtemp(prefix='simos-fidelity-%s-' % scenario['id'])
    try:
        required = scenario.get('requires', [])
        if allow_namespaces and enter_namespaces():
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # PID 1 of the new namespace
                os.close(r)
                prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                result = drive(scenario, workdir, 'pidns')
                os.write(w, json.dumps(result).encode())
                os._exit(0)
            os.close(w)
            data, complete = read_all_until(r, time.monotonic() + SCENARIO_TIMEOUT)
            if not complete:
                os.kill(pid, signal.SIGKILL)  # init of the namespace: takes every actor with it
            os.waitpid(pid, 0)
            result = json.loads(data) if complete and data else {'error': 'timed out after %ds' % SCENARIO_TIMEOUT}
            mode = 'pidns'
        elif 'pidns' in required:
            why = 'was refused here' if allow_namespaces else 'was not tried (--mode subreaper)'
            result = {'unavailable': 'needs a PID namespace (unshare(CLONE_NEWUSER|CLONE_NEWPID) %s)' % why}
            mode = 'subreaper'
        else:
            prctl(PR_SET_CHILD_SUBREAPER, 1)
            result = drive(scenario, workdir, 'subreaper')
            mode = 'subreaper'
        result['mode'] = mode
    except Exception:
        result = {'error': traceback.format_exc()}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    os.write(out_fd, json.dumps(result).encode())
    os._exit(0)


def filesystem_of(path):
    """The filesystem type of the mount holding `path` (from /proc/self/mountinfo)."""
    path = os.path.realpath(path)
    best, fstype = '', 'unknown'
    try:
        with open('/proc/self/mountinfo') as f:
            for line in f:
                left, right = line.split(' - ', 1)
                mount = left.split()[4].replace('\\040', ' ')
                if (path == mount or path.startswith(mount.rstrip('/') + '/')) and len(mount) >= len(best):
                    best, fstype = mount, right.split()[0]
    except OSError:
        pass
    return fstype


def environment():
    tmp = tempfile.gettempdir()
    return {
        'kernel': os.uname().release,
        'machine': os.uname().machine,
        'python': sys.version.split()[0],
        'tmpdir': tmp,
        'fs': filesystem_of(tmp),
        'uid': os.getuid(),
    }


def run_all(paths, jobs, allow_namespaces=True):
    scenarios = []
    for p in paths:
        with open(p) as f:
            scenarios.append((p, json.load(f)))
    results = {}
    queue = list(scenarios)
    running = {}  # read fd -> (id, pid, deadline, data)
    while queue or running:
        while queue and len(running) < jobs:
            _, sc = queue.pop(0)
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                try:
                    host_scenario(sc, w, allow_namespaces)
                finally:
                    os._exit(1)
            os.close(w)
            running[r] = [sc['id'], pid, time.monotonic() + SCENARIO_TIMEOUT + 10, b'']
        ready = select.select(list(running), [], [], 0.5)[0]
        now = time.monotonic()
        for fd in list(running):
            sid, pid, deadline, data = running[fd]
            if fd in ready:
                chunk = os.read(fd, 65536)
                if chunk:
                    running[fd][3] += chunk
                    continue
                os.close(fd)
                os.waitpid(pid, 0)
                del running[fd]
                try:
                    results[sid] = json.loads(data) if data else {'error': 'the scenario host died without a result'}
                except ValueError:
                    results[sid] = {'error': 'unreadable result: %r' % data[:200]}
            elif now > deadline:
                os.kill(pid, signal.SIGKILL)
                os.close(fd)
                os.waitpid(pid, 0)
                del running[fd]
                results[sid] = {'error': 'the scenario host hung'}
    return scenarios, results


# ------------------------------------------------------------------------------------------------
# Recording expectations into the scenario files.

def dump_scenario(sc):
    """JSON with one step per line, so a diff of a re-recording reads step by step."""
    lines = ['{']
    keys = list(sc.keys())
    for i, k in enumerate(keys):
        comma = ',' if i < len(keys) - 1 else ''
        if k == 'steps':
            lines.append('  "steps": [')
            for j, s in enumerate(sc['steps']):
                lines.append('    ' + json.dumps(s, ensure_ascii=False) + (',' if j < len(sc['steps']) - 1 else ''))
            lines.append('  ]' + comma)
        else:
            lines.append('  %s: %s%s' % (json.dumps(k), json.dumps(sc[k], ensure_ascii=False), comma))
    lines.append('}')
    return '\n'.join(lines) + '\n'


def record(paths, jobs):
    scenarios, results = run_all(paths, jobs)
    env = environment()
    failed = False
    for path, sc in scenarios:
        res = results[sc['id']]
        if 'steps' not in res:
            print('%s: not recorded: %s' % (sc['id'], res.get('error') or res.get('unavailable')), file=sys.stderr)
            failed = True
            continue
        for s, outcome in zip(sc['steps'], res['steps']):
            s['expect'] = outcome
        sc['final'] = res['final']
        sc['recordedOn'] = {'kernel': env['kernel'], 'fs': env['fs'], 'mode': res['mode']}
        with open(path, 'w') as f:
            f.write(dump_scenario(sc))
        print('%s: recorded (%d steps)' % (sc['id'], len(sc['steps'])), file=sys.stderr)
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == 'actor':
        actor_after_exec(argv[1], argv[2])
        return 0
    if not argv or argv[0] not in ('run', 'record'):
        print(__doc__, file=sys.stderr)
        return 2
    cmd, rest = argv[0], argv[1:]
    jobs, allow_namespaces = 4, True
    while rest[:1] in (['--jobs'], ['--mode']):
        if rest[0] == '--jobs':
            jobs = int(rest[1])
        elif rest[1] in ('subreaper', 'pidns'):
            allow_namespaces = rest[1] == 'pidns'
        else:
            print('--mode is pidns (default: use a PID namespace when allowed) or subreaper', file=sys.stderr)
            return 2
        rest = rest[2:]
    if not rest:
        print('no scenario files given', file=sys.stderr)
        return 2
    if cmd == 'record':
        return record(rest, jobs)
    _, results = run_all(rest, jobs, allow_namespaces)
    json.dump({'environment': environment(), 'results': results}, sys.stdout)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
