"""Power states a hypervisor reports, with Nova's numeric values (they cross the wire as ints)."""


class PowerState:
    NOSTATE = 0  # unknown, or the domain does not exist
    RUNNING = 1  # the guest is running
    PAUSED = 3  # the guest's vCPUs are stopped, memory kept
    SHUTDOWN = 4  # the guest is defined but not running
    CRASHED = 6  # the guest died
    SUSPENDED = 7  # the guest's memory is saved to disk

    NAMES = {0: "NOSTATE", 1: "RUNNING", 3: "PAUSED", 4: "SHUTDOWN", 6: "CRASHED", 7: "SUSPENDED"}
