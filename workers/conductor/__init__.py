"""The conductor: the only writer to the database on behalf of compute nodes."""
