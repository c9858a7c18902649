"""The compute worker: one per hypervisor host. It never imports Django or the database layer."""
