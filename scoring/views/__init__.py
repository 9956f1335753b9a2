"""Staff pages: the clinician side and reception. Patient data only through scoring.door."""
