"""A TCP server on loopback standing for the Dask scheduler, PostgreSQL, another kernel: what a grading kernel must
not reach. It counts connections. (Imported by the cgroup v2 VM's guest script too: standard library only.)"""
from __future__ import annotations

import socket
import threading


class Listener(threading.Thread):

    def __init__(self, port: int = 0):
        super().__init__(daemon=True)
        self.server = socket.create_server(("127.0.0.1", port))
        self.port, self.connections = self.server.getsockname()[1], 0

    def run(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()
