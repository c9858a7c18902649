"""A flat network (a Neutron subset): networks, subnets with an address pool, and ports."""
