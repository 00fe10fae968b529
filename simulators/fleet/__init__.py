"""A simulated fleet for the command center: many simulated stations, and the faults injected into them."""
