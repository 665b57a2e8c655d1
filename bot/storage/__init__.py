"""SQLite persistence. All SQL of the project lives in this package; it imports no front end."""
