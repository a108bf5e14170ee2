"""fastclient.contrib.locust with a real Locust: a master and two worker processes on
127.0.0.1, headless, a few seconds against a scripted server that counts what it got. The
master's merged statistics must match the server's own counts.

Left to itself, a headless master at the end of --run-time sends "quit" to its workers and
gives their final stats reports a fixed half second before it exits; a worker on a loaded
machine can take longer than that to stop, and the master's numbers then lack up to a
report interval (3 s) of that worker's requests. Its CSV files are only rewritten once a
second, too. The locustfile below therefore ends the run itself when the master stops the
test, and only then lets Locust quit: see "How the run ends" in it."""

from __future__ import annotations

import csv
import importlib.util
import os
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Set

import pytest

from tests.servers.raw import RawServer, read_request_head

# Only look for locust: importing it would monkey-patch this whole test process with gevent.
pytestmark = [
    pytest.mark.network,
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("locust") is None,
        reason="the locust extra is not installed (pip install fastclient[locust])",
    ),
]

RawFactory = Callable[[Callable[[socket.socket], None]], RawServer]

LOCUSTFILE = textwrap.dedent(
    """
    import csv
    import logging
    import os

    import gevent
    from gevent.event import Event
    from locust import constant, events, task
    from locust.runners import MasterRunner, WorkerRunner

    from fastclient.contrib.locust import FastClientUser


    class Visitor(FastClientUser):
        wait_time = constant(0.005)
        client_options = {"timeout": 5.0, "headers": {"X-Worker": str(os.getpid())}}

        @task(3)
        def hello(self):
            self.client.get("/hello")

        @task(1)
        def item(self):
            self.client.get(f"/item/{os.getpid()}", name="/item/[pid]")

        @task(1)
        def broken(self):
            self.client.get("/broken")


    # How the run ends. When the master stops the test (its test_stop event, fired before
    # it sends "quit" to the workers, whose users are still running then), it
    # 1. waits until its merged stats hold more than ENOUGH requests of each name (the
    #    test checks that; on a starved machine 4 s may not be enough for that);
    # 2. has every worker stop its users (Runner.stop returns once each user has finished
    #    its current task, --stop-timeout) and waits for the first regular report each
    #    worker sends after that (report_to_master / worker_report): that report holds
    #    every request of that worker not reported yet, and no request follows it;
    # 3. waits until the periodically rewritten run_stats.csv holds those final totals;
    # and only then lets Locust's quit go on. Each step waits for what it needs, however
    # long it takes (the timeout is only for a broken run, which the test then reports).
    ENOUGH = 10
    NAMES = ("/hello", "/item/[pid]", "/broken")
    STOP_USERS = "fastclient_test_stop_users"
    FINAL_MARK = "fastclient-test: final reports of all workers are in run_stats.csv"
    state = {"users_stopped": False, "waiting_for": set(), "reported": Event()}


    def enough_traffic(runner):
        entries = runner.stats.entries
        return all(
            (name, "GET") in entries and entries[(name, "GET")].num_requests > ENOUGH
            for name in NAMES
        )


    def csv_total(environment):
        try:
            with open(environment.parsed_options.csv_prefix + "_stats.csv", newline="") as f:
                for row in csv.DictReader(f):
                    if row["Name"] == "Aggregated":
                        return int(row["Request Count"])
        except (OSError, KeyError, ValueError):
            pass
        return None


    @events.init.add_listener
    def on_init(environment, **kwargs):
        runner = environment.runner
        if isinstance(runner, WorkerRunner):

            def stop_users(environment, msg, **kwargs):
                environment.runner.stop()
                state["users_stopped"] = True

            runner.register_message(STOP_USERS, stop_users, concurrent=True)

            def mark_report(client_id, data, **kwargs):
                data["users_stopped"] = state["users_stopped"]

            environment.events.report_to_master.add_listener(mark_report)
        elif isinstance(runner, MasterRunner):
            # Added after Locust's own listener, which merges the report into the stats.
            def on_report(client_id, data, **kwargs):
                if data.get("users_stopped") and client_id in state["waiting_for"]:
                    state["waiting_for"].discard(client_id)
                    if not state["waiting_for"]:
                        state["reported"].set()

            environment.events.worker_report.add_listener(on_report)


    @events.test_stop.add_listener
    def on_test_stop(environment, **kwargs):
        runner = environment.runner
        if not isinstance(runner, MasterRunner) or not runner.clients:
            return
        done = False
        with gevent.Timeout(40, False):  # only if something is broken: the test then fails
            while not enough_traffic(runner):
                gevent.sleep(0.1)
            state["waiting_for"] = set(runner.clients)
            runner.send_message(STOP_USERS)
            state["reported"].wait()
            while csv_total(environment) != runner.stats.total.num_requests:
                gevent.sleep(0.05)
            done = True
        if done:
            print(FINAL_MARK, flush=True)
        else:
            logging.error("gave up waiting for the workers' final reports: %s", state)
    """
)
FINAL_MARK = "fastclient-test: final reports of all workers are in run_stats.csv"


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.paths: Dict[str, int] = {}
        self.workers: Set[str] = set()

    def handler(self, sock: socket.socket) -> None:
        while True:
            head = read_request_head(sock)
            if not head:
                return
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            key = "/item/[pid]" if path.startswith("/item/") else path
            with self.lock:
                self.paths[key] = self.paths.get(key, 0) + 1
                for line in lines[1:]:
                    if line.lower().startswith("x-worker:"):
                        self.workers.add(line.split(":", 1)[1].strip())
            if path == "/broken":
                sock.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy")
            else:
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, world!")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_master_and_two_workers_merge_statistics(raw_server: RawFactory, tmp_path: Path) -> None:
    counter = Counter()
    server = raw_server(counter.handler)
    locustfile = tmp_path / "locustfile.py"
    locustfile.write_text(LOCUSTFILE)
    port = _free_port()
    users = 6
    # The locustfile lives in a temporary directory: make sure this checkout is importable.
    root = str(Path(__file__).resolve().parents[2])
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])]),
    )
    common = [sys.executable, "-m", "locust", "-f", str(locustfile), "--loglevel", "WARNING"]
    master = subprocess.Popen(
        [
            *common,
            "--headless",
            "--master",
            "--expect-workers",
            "2",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(port),
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            "4s",
            "--host",
            server.url,
            "--csv",
            str(tmp_path / "run"),
            "--only-summary",
            "--stop-timeout",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    workers: List[subprocess.Popen[bytes]] = [
        subprocess.Popen(
            [*common, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tmp_path,
            env=env,
        )
        for _ in range(2)
    ]
    procs: List[subprocess.Popen[Any]] = [master, *workers]
    try:
        output, _ = master.communicate(timeout=90)
        for worker in workers:
            worker.wait(timeout=30)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert "Traceback" not in output, output
    assert FINAL_MARK in output, output
    with open(tmp_path / "run_stats.csv", newline="") as f:
        rows = {(r["Type"], r["Name"]): r for r in csv.DictReader(f)}
    hello = rows[("GET", "/hello")]
    item = rows[("GET", "/item/[pid]")]
    broken = rows[("GET", "/broken")]
    total = rows[("", "Aggregated")]
    # Both workers sent load, and the master's numbers are the sum of theirs: each name's
    # count matches what the server received (a request cut off by the end of the run may
    # reach the server unreported: at most one per user).
    assert len(counter.workers) == 2
    for row, key in ((hello, "/hello"), (item, "/item/[pid]"), (broken, "/broken")):
        reported = int(row["Request Count"])
        assert reported > 10  # the locustfile's ENOUGH
        assert reported <= counter.paths[key] <= reported + users
    assert int(hello["Failure Count"]) == 0 and int(item["Failure Count"]) == 0
    assert int(broken["Failure Count"]) == int(broken["Request Count"])
    assert int(total["Request Count"]) == sum(
        int(r["Request Count"]) for r in (hello, item, broken)
    )
    assert float(hello["Average Content Size"]) == 13.0
    assert float(hello["Average Response Time"]) > 0
    with open(tmp_path / "run_failures.csv", newline="") as f:
        failures = list(csv.DictReader(f))
    assert [(r["Name"], "503" in r["Error"]) for r in failures] == [("/broken", True)]
