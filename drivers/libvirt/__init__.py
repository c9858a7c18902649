"""The libvirt driver (``COMPUTE_DRIVER=libvirt.LibvirtDriver``), split by concern: the connection
and its event loop (``host``), one domain (``guest``), domain XML (``config``), disks and the image
cache (``disk``), and the driver interface itself (``driver``)."""

from drivers.libvirt.driver import LibvirtDriver

__all__ = ["LibvirtDriver"]
