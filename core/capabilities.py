"""What a hypervisor driver can do beyond building and destroying guests. Each node reports its
driver's answers (they can differ per node); the API refuses an action the server's node lacks."""

PAUSE = "supports_pause"  # pause and unpause
SUSPEND = "supports_suspend"  # suspend and resume
MIGRATION = "supports_migration"  # resize and cold migration, as source or destination
SNAPSHOT = "supports_snapshot"  # createImage
REBUILD = "supports_rebuild"

ALL = (PAUSE, SUSPEND, MIGRATION, SNAPSHOT, REBUILD)


def none() -> dict[str, bool]:
    """Every capability, off: what a driver declares before it says otherwise."""
    return dict.fromkeys(ALL, False)


def every() -> dict[str, bool]:
    return dict.fromkeys(ALL, True)
