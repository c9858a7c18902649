"""Instance states as Nova keeps them, and the API status derived from them (never stored).

Power states are the hypervisor's (``core.power_state``, re-exported here for the apps).
"""

from core import capabilities as caps


class VmState:
    ACTIVE = "active"  # running, or ready to run
    BUILDING = "building"  # being created; not yet runnable
    PAUSED = "paused"  # vCPUs stopped, memory kept in RAM
    SUSPENDED = "suspended"  # memory saved to disk
    STOPPED = "stopped"  # powered off, disks kept
    RESCUED = "rescued"  # booted from a rescue image
    RESIZED = "resized"  # resized or migrated; waiting for confirm or revert
    SOFT_DELETED = "soft-delete"  # deleted but reclaimable for a while
    DELETED = "deleted"  # gone; the row stays for changes-since
    ERROR = "error"  # something failed; see the fault
    SHELVED = "shelved"  # powered off, snapshot kept, still on its host
    SHELVED_OFFLOADED = "shelved_offloaded"  # snapshot kept, host resources freed


class TaskState:
    SCHEDULING = "scheduling"  # waiting for the scheduler to pick a host
    SPAWNING = "spawning"  # the compute host is building it
    DELETING = "deleting"  # the compute host is destroying it
    POWERING_OFF = "powering-off"
    POWERING_ON = "powering-on"
    REBOOTING = "rebooting"
    REBOOTING_HARD = "rebooting_hard"
    PAUSING = "pausing"
    UNPAUSING = "unpausing"
    SUSPENDING = "suspending"
    RESUMING = "resuming"
    REBUILDING = "rebuilding"
    RESIZE_PREP = "resize_prep"
    RESIZE_MIGRATING = "resize_migrating"
    RESIZE_FINISH = "resize_finish"
    RESIZE_REVERTING = "resize_reverting"
    RESIZE_CONFIRMING = "resize_confirming"
    MIGRATING = "migrating"
    IMAGE_SNAPSHOT = "image_snapshot"
    SOFT_DELETING = "soft-deleting"  # a deferred delete is powering the guest off
    RESTORING = "restoring"  # a soft-deleted server is being powered back on


# vm_state -> API status, with task_states that override it.
_STATUS_BY_VM_STATE = {
    VmState.BUILDING: "BUILD",
    VmState.ACTIVE: "ACTIVE",
    VmState.STOPPED: "SHUTOFF",
    VmState.PAUSED: "PAUSED",
    VmState.SUSPENDED: "SUSPENDED",
    VmState.RESCUED: "RESCUE",
    VmState.RESIZED: "VERIFY_RESIZE",
    VmState.SOFT_DELETED: "SOFT_DELETED",
    VmState.DELETED: "DELETED",
    VmState.ERROR: "ERROR",
    VmState.SHELVED: "SHELVED",
    VmState.SHELVED_OFFLOADED: "SHELVED_OFFLOADED",
}

_STATUS_BY_TASK_STATE = {
    VmState.ACTIVE: {
        TaskState.REBOOTING: "REBOOT",
        TaskState.REBOOTING_HARD: "HARD_REBOOT",
        TaskState.REBUILDING: "REBUILD",
        TaskState.RESIZE_PREP: "RESIZE",
        TaskState.RESIZE_MIGRATING: "RESIZE",
        TaskState.RESIZE_FINISH: "RESIZE",
        TaskState.MIGRATING: "MIGRATING",
    },
    VmState.STOPPED: {
        TaskState.REBUILDING: "REBUILD",
        TaskState.RESIZE_PREP: "RESIZE",
        TaskState.RESIZE_MIGRATING: "RESIZE",
        TaskState.RESIZE_FINISH: "RESIZE",
    },
    VmState.RESIZED: {TaskState.RESIZE_REVERTING: "REVERT_RESIZE"},
}


def api_status(vm_state: str, task_state: str | None) -> str:
    """The API's ``status`` for a vm_state/task_state pair, as Nova derives it."""
    if task_state == TaskState.DELETING and vm_state != VmState.DELETED:
        return "DELETED" if vm_state == VmState.SOFT_DELETED else _STATUS_BY_VM_STATE.get(vm_state, "UNKNOWN")
    override = _STATUS_BY_TASK_STATE.get(vm_state, {}).get(task_state)
    return override or _STATUS_BY_VM_STATE.get(vm_state, "UNKNOWN")


# Which action may start from which state (Nova's check_instance_state rules). ``task_states``
# lists the task_states the instance may be in; None means idle. An action not listed here, or
# a state outside its row, is refused with 409.
_IDLE = (None,)
ALLOWED = {
    "stop": ((VmState.ACTIVE, VmState.ERROR, VmState.RESCUED), _IDLE),
    "start": ((VmState.STOPPED,), _IDLE),
    "reboot_soft": ((VmState.ACTIVE,), _IDLE),
    "reboot_hard": (
        (VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED, VmState.ERROR),
        (None, TaskState.REBOOTING, TaskState.REBOOTING_HARD),
    ),
    "pause": ((VmState.ACTIVE,), _IDLE),
    "unpause": ((VmState.PAUSED,), _IDLE),
    "suspend": ((VmState.ACTIVE,), _IDLE),
    "resume": ((VmState.SUSPENDED,), _IDLE),
    "rebuild": ((VmState.ACTIVE, VmState.STOPPED, VmState.ERROR), _IDLE),
    "resize": ((VmState.ACTIVE, VmState.STOPPED), _IDLE),
    "migrate": ((VmState.ACTIVE, VmState.STOPPED), _IDLE),
    "confirmResize": ((VmState.RESIZED,), _IDLE),
    "revertResize": ((VmState.RESIZED,), _IDLE),
    "createImage": ((VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED), _IDLE),
    "restore": ((VmState.SOFT_DELETED,), _IDLE),
    "os-getConsoleOutput": (
        (VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED, VmState.RESIZED),
        None,
    ),
}

# The task_state each action sets while the compute host works on it.
TASK_FOR_ACTION = {
    "stop": TaskState.POWERING_OFF,
    "start": TaskState.POWERING_ON,
    "reboot_soft": TaskState.REBOOTING,
    "reboot_hard": TaskState.REBOOTING_HARD,
    "pause": TaskState.PAUSING,
    "unpause": TaskState.UNPAUSING,
    "suspend": TaskState.SUSPENDING,
    "resume": TaskState.RESUMING,
    "rebuild": TaskState.REBUILDING,
    "resize": TaskState.RESIZE_PREP,
    "migrate": TaskState.RESIZE_PREP,
    "confirmResize": TaskState.RESIZE_CONFIRMING,
    "revertResize": TaskState.RESIZE_REVERTING,
    "createImage": TaskState.IMAGE_SNAPSHOT,
    "restore": TaskState.RESTORING,
}


# The driver capability each action needs on the server's node (``core.capabilities``).
CAPABILITY_FOR_ACTION = {
    "pause": caps.PAUSE,
    "unpause": caps.PAUSE,
    "suspend": caps.SUSPEND,
    "resume": caps.SUSPEND,
    "rebuild": caps.REBUILD,
    "resize": caps.MIGRATION,
    "migrate": caps.MIGRATION,
    "createImage": caps.SNAPSHOT,
}


def allowed(action: str, vm_state: str, task_state: str | None) -> bool:
    """Whether ``action`` may start from this vm_state/task_state pair."""
    vm_states, task_states = ALLOWED[action]
    return vm_state in vm_states and (task_states is None or task_state in task_states)


def status_filter(status: str):
    """A ``Q`` matching the instances the API shows with ``status`` (None for a status Nova does not know)."""
    from django.db.models import Q

    status = status.upper()
    matches = Q(pk__in=[])
    known = False
    for vm_state, shown in _STATUS_BY_VM_STATE.items():
        if shown == status:
            overridden = list(_STATUS_BY_TASK_STATE.get(vm_state, {}))
            matches |= Q(vm_state=vm_state) & (Q(task_state__isnull=True) | ~Q(task_state__in=overridden))
            known = True
    for vm_state, tasks in _STATUS_BY_TASK_STATE.items():
        for task_state, shown in tasks.items():
            if shown == status:
                matches |= Q(vm_state=vm_state, task_state=task_state)
                known = True
    return matches if known else None
