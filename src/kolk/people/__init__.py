"""People: the data subject (Person), contact points, households, family relations, users."""
