"""grillbot: a study-group bot for ML / AI research-scientist interview practice."""
