"""Capital stacks: the waterfall, tranche and vehicle figures, and design questions."""
