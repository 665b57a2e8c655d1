"""Use cases: async, platform-neutral, depending only on the ports in `bot.core.ports`."""
