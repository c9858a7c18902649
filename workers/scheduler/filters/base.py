"""The filter interface."""

from workers.scheduler.host_state import HostState
from workers.scheduler.request_spec import RequestSpec


class BaseHostFilter:
    def relevant(self, spec: RequestSpec) -> bool:
        """Whether this filter has anything to check for the request (if not, it is skipped)."""
        return True

    def host_passes(self, host_state: HostState, spec: RequestSpec) -> bool:
        raise NotImplementedError

    # A filter may also define ``mask(table, spec)``: the same answer for every row of a
    # HostTable at once, as a numpy bool array. The pipeline prefers it.

    def describe_rejection(self, rejected: list[HostState], spec: RequestSpec) -> str:
        """Why the hosts this filter removed did not pass, in a few words."""
        return ""
