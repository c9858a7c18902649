"""A guest's hostname: what the user chose (2.90, an FQDN from 2.94) or one made from its name."""

import re


def from_name(name: str, default: str = "") -> str:
    """Nova's sanitised hostname: Latin-1 only, spaces, dots and underscores become dashes, other
    non-word characters go, lower case, no leading or trailing dot or dash, at most 63 characters."""
    hostname = name.encode("latin-1", "ignore").decode("latin-1")[:63]
    hostname = re.sub(r"[ _.]", "-", hostname)
    hostname = re.sub(r"[^\w.-]+", "", hostname)
    hostname = hostname.lower().strip(".-")
    return hostname or default[:63]
