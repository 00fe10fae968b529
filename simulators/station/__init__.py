"""The whole station on simulators: the world around it (citizens, staff, paper), the run and its report."""
