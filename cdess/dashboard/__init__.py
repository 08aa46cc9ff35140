"""The dashboard of the secretariat and the council, and the public statistics."""
