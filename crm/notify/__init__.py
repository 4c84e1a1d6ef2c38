"""Notifications: the outbox written with each change, and the loop that delivers it."""
