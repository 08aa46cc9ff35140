"""Council sessions: planning, agenda, attendance, proxies, conflicts, votes and minutes."""
