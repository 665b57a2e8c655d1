"""The Discord adapter: translates Discord events into core calls and core results into messages."""
