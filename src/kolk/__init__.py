"""kolk: the customer platform of a cultural centre, privacy by construction."""
