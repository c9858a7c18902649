"""Column arrays over the host view, so the common filters and weighers run over 10,000 hosts in
microseconds. Each HostState keeps its row up to date whenever its numbers change.

numpy is imported when a table is first built (in the scheduler), not with this module: the API
and the conductor import the host view for claims and never build a table, and numpy costs each
process about 16 MB.
"""

COLUMNS = ("free_vcpus", "free_ram_mb", "free_disk_gb", "io_ops", "failed_builds", "last_seen")


class HostTable:
    def __init__(self, states: list, attach: bool = True):
        import numpy as np

        self.states = states
        size = len(states)
        self.free_vcpus = np.zeros(size)
        self.free_ram_mb = np.zeros(size)
        self.free_disk_gb = np.zeros(size)
        self.io_ops = np.zeros(size)
        self.failed_builds = np.zeros(size)
        self.last_seen = np.zeros(size)
        self.usable = np.zeros(size, dtype=bool)  # enabled and not forced down
        for index, state in enumerate(states):
            if attach:
                state.attach(self, index)
            else:
                self.sync(index, state)

    def __len__(self) -> int:
        return len(self.states)

    def sync(self, index: int, state) -> None:
        for column in COLUMNS:
            getattr(self, column)[index] = getattr(state, column)
        self.usable[index] = state.enabled and not state.forced_down
