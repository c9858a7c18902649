"""Power operations: each drives the hypervisor and reports the new state with one update."""

from workers.compute.app import app
from workers.compute.manager import run_operation


@app.task(name="compute.stop_instance")
def stop_instance(instance: dict, request_id: str | None = None) -> None:
    run_operation(
        instance, request_id, "compute_stop_instance", "powering-off", lambda d: d.power_off(instance), "stopped"
    )


@app.task(name="compute.start_instance")
def start_instance(instance: dict, request_id: str | None = None) -> None:
    run_operation(
        instance, request_id, "compute_start_instance", "powering-on", lambda d: d.power_on(instance), "active"
    )


@app.task(name="compute.reboot_instance")
def reboot_instance(instance: dict, reboot_type: str, request_id: str | None = None) -> None:
    expected = "rebooting_hard" if reboot_type == "HARD" else "rebooting"
    run_operation(
        instance, request_id, "compute_reboot_instance", expected, lambda d: d.reboot(instance, reboot_type), "active"
    )


@app.task(name="compute.pause_instance")
def pause_instance(instance: dict, request_id: str | None = None) -> None:
    run_operation(instance, request_id, "compute_pause_instance", "pausing", lambda d: d.pause(instance), "paused")


@app.task(name="compute.unpause_instance")
def unpause_instance(instance: dict, request_id: str | None = None) -> None:
    run_operation(
        instance, request_id, "compute_unpause_instance", "unpausing", lambda d: d.unpause(instance), "active"
    )


@app.task(name="compute.suspend_instance")
def suspend_instance(instance: dict, request_id: str | None = None) -> None:
    run_operation(
        instance, request_id, "compute_suspend_instance", "suspending", lambda d: d.suspend(instance), "suspended"
    )


@app.task(name="compute.resume_instance")
def resume_instance(instance: dict, request_id: str | None = None) -> None:
    run_operation(instance, request_id, "compute_resume_instance", "resuming", lambda d: d.resume(instance), "active")
