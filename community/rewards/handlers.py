"""Reactions to activities: points awarded and reversed, account signals kept."""
