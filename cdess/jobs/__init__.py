"""Long work off the request: jobs run after the commit, by RQ or inline, with a progress page."""
