import pytest

from apps.compute.states import TaskState, VmState, api_status


@pytest.mark.parametrize(
    ("vm_state", "task_state", "status"),
    [
        (VmState.BUILDING, TaskState.SCHEDULING, "BUILD"),
        (VmState.BUILDING, TaskState.SPAWNING, "BUILD"),
        (VmState.ACTIVE, None, "ACTIVE"),
        (VmState.ACTIVE, TaskState.REBOOTING, "REBOOT"),
        (VmState.ACTIVE, TaskState.REBOOTING_HARD, "HARD_REBOOT"),
        (VmState.ACTIVE, TaskState.DELETING, "ACTIVE"),
        (VmState.STOPPED, None, "SHUTOFF"),
        (VmState.RESIZED, None, "VERIFY_RESIZE"),
        (VmState.ERROR, None, "ERROR"),
        (VmState.ERROR, TaskState.DELETING, "ERROR"),
        (VmState.DELETED, None, "DELETED"),
    ],
)
def test_status_is_derived_from_the_pair(vm_state, task_state, status):
    assert api_status(vm_state, task_state) == status
