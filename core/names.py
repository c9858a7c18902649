"""Names both sides of the wire agree on: queues, the compute service's binary, default URLs."""

SCHEDULER_QUEUE = "scheduler"
CONDUCTOR_QUEUE = "conductor"
COMPUTE_QUEUE_PREFIX = "compute."

# The binary a compute worker registers as (Nova's nova-compute).
COMPUTE_BINARY = "cloudcore-compute"

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def compute_queue(host: str) -> str:
    """The queue a compute node named ``host`` consumes."""
    return f"{COMPUTE_QUEUE_PREFIX}{host}"


# What a compute host's name may be (it becomes a queue name, a certificate's subject, a path).
HOST_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$"
