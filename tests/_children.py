"""Child Python processes for the tests that need one (a crash, a hang, a fork, a
signal or a fresh import must not take the test run with it)."""
import os
import queue
import subprocess
import sys
import textwrap
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child_env(**updates):
    """This process's environment for a child that imports this checkout's fastpen
    (ROOT first on PYTHONPATH), with ``updates`` (a value of None removes the
    variable)."""
    env = dict(os.environ)
    paths = [ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    for name, value in updates.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_python(code, timeout=120, **env_updates):
    """Run ``code`` (dedented) in a child Python; its CompletedProcess (text output)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          env=child_env(**env_updates), capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def line_queue(stream):
    """A queue that a daemon thread fills with the lines of ``stream``, then None at
    its end: ``get(timeout=...)`` bounds the wait on a child that prints nothing."""
    lines = queue.Queue()

    def read():
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines
