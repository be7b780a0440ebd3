"""Money-moving rules: planning, the one executor, runs and their history."""
