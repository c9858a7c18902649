"""The filter interface."""

from workers.scheduler.host_state import HostState, ResourceRequest


class BaseHostFilter:
    def host_passes(self, host_state: HostState, need: ResourceRequest) -> bool:
        raise NotImplementedError

    def describe_rejection(self, rejected: list[HostState], need: ResourceRequest) -> str:
        """Why the hosts this filter removed did not pass, in a few words."""
        return ""
