"""Discord features, one extension per module. Each translates events into core calls and renders results."""
