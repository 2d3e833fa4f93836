"""Reader endpoints beyond the foundation's (classes, class rosters)."""
