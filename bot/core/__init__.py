"""Platform-neutral rules and use cases. Nothing here imports discord, aiosqlite or apscheduler."""
