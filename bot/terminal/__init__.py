"""Terminal front end: drills on the same services and database as the chat bots, over stdin/stdout."""
