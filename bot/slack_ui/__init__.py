"""The Slack front end (Socket Mode, slack_bolt): see README.md here for the Web API methods it calls."""
