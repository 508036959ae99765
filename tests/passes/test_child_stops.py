"""A child the build forks (a pool worker, a timed fit) that is stopped before it has set up its own
signal handlers still dies (tinyc.passes.cv.stops_held, quiet_child): otherwise the stop met the
parent's handler, or was caught and dropped, and the child waited for work forever while the
parent joined it (a build hung so in Pool.terminate)."""
import multiprocessing
import os
import signal
import time

import pytest

from tinyc.passes.cv import quiet_child, stops_held

pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_sigmask") or
                                "fork" not in multiprocessing.get_all_start_methods(), reason="POSIX fork only")


def _late_child(ready):
    """A worker slow to set up (as one is while the parent already stops the pool), then waiting
    for work that never comes."""
    ready.set()
    time.sleep(0.5)  # the stop arrives here, before quiet_child
    quiet_child()
    multiprocessing.get_context("fork").Event().wait()  # idle, as a pool worker waiting for a task


def _stopped_early(held: bool):
    ctx = multiprocessing.get_context("fork")
    caught = []
    before = signal.signal(signal.SIGTERM, lambda s, f: caught.append(s))  # the parent's own handler
    try:
        ready = ctx.Event()
        child = ctx.Process(target=_late_child, args=(ready,), daemon=True)
        if held:
            with stops_held():
                child.start()
        else:
            child.start()
        assert ready.wait(10)
        os.kill(child.pid, signal.SIGTERM)
        child.join(5)
        code = child.exitcode
        if child.is_alive():
            child.kill()
            child.join()
        return code
    finally:
        signal.signal(signal.SIGTERM, before)


def test_a_child_stopped_before_its_handlers_are_set_dies_of_the_stop():
    assert _stopped_early(held=True) == -signal.SIGTERM


def test_without_holding_the_stop_the_same_child_lives_on():
    # the parent's handler runs in the child and the child goes on to wait forever: the hang this prevents
    assert _stopped_early(held=False) is None
