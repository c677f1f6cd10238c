"""Communications: the outbox, newsletter, offers per channel, unsubscribe and contact cases."""
